// Copyright (c) mnemo authors.
//
// The global --cluster flag of the CLI, without a cluster: a value that is
// not a ceph.conf (nor a directory holding one) is a usage error naming the
// flag, before or after the command and through $MNEMO_CLUSTER; commands
// that copy or rewrite the local store's files refuse cluster mode (the
// local directory is only a host's cache there) before connecting. The
// commands against a real cluster are tests/tools/cluster_cli_test.sh
// (label cluster).

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "cli_test_util.h"
#include "test_util.h"

namespace mnemo::test {
namespace {

class ClusterFlag : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = tmp_.Sub("db");
    MakeDemoStore(db_);
    before_ = DumpOf(db_);
  }

  // A ceph.conf naming a monitor; the refusals below never connect to it.
  std::string WriteConf() {
    std::string conf = tmp_.Sub("ceph.conf");
    std::ofstream(conf) << "[global]\nmon host = 127.0.0.1:9\n";
    return conf;
  }

  static void ExpectUsageErrorNamingCluster(const CliResult& r) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("mnemo: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("--cluster"), std::string::npos) << r.err;
  }

  TempDir tmp_;
  std::string db_, before_;
};

TEST_F(ClusterFlag, ValueThatIsNotACephConfIsAUsageError) {
  const std::string missing = tmp_.Sub("no-such.conf");
  const std::string empty_dir = tmp_.Sub("empty");
  ASSERT_EQ(std::system(("mkdir -p " + Q(empty_dir)).c_str()), 0);
  for (const std::string& value : {missing, empty_dir}) {
    SCOPED_TRACE(value);
    CliResult after = Mnemo("stats --db " + Q(db_) + " --cluster " + Q(value));
    ExpectUsageErrorNamingCluster(after);
    EXPECT_NE(after.err.find(value), std::string::npos) << after.err;
    ExpectUsageErrorNamingCluster(
        Mnemo("--cluster " + Q(value) + " dump --db " + Q(db_)));
  }
  ExpectUsageErrorNamingCluster(Mnemo("stats --db " + Q(db_) + " --cluster"));
  EXPECT_EQ(DumpOf(db_), before_) << "store changed";
}

TEST_F(ClusterFlag, EnvironmentVariableIsCheckedLikeTheFlag) {
  const std::string missing = tmp_.Sub("no-such.conf");
  ASSERT_EQ(setenv("MNEMO_CLUSTER", missing.c_str(), 1), 0);
  CliResult r = Mnemo("stats --db " + Q(db_));
  ASSERT_EQ(unsetenv("MNEMO_CLUSTER"), 0);
  ExpectUsageErrorNamingCluster(r);
  // Unset, the embedded store is used.
  EXPECT_EQ(Mnemo("stats --db " + Q(db_)).code, 0);
}

TEST_F(ClusterFlag, CopyCommandsRefuseClusterMode) {
  const std::string conf = WriteConf();
  const std::string commands[] = {
      "checkpoint --db " + Q(db_) + " --out " + Q(tmp_.Sub("ck")),
      "backup --db " + Q(db_) + " --to " + Q(tmp_.Sub("bk")),
      "restore --from " + Q(tmp_.Sub("bk")) + " --db " + Q(tmp_.Sub("r")),
      "migrate --db " + Q(db_)};
  for (const std::string& command : commands) {
    SCOPED_TRACE(command);
    CliResult r = Mnemo(command + " --cluster " + Q(conf));
    ExpectUsageErrorNamingCluster(r);
    EXPECT_NE(r.err.find("host's cache"), std::string::npos) << r.err;
  }
  // The directory form names the conf inside it.
  CliResult r = Mnemo("--cluster " + Q(tmp_.path()) + " backup --db " +
                      Q(db_) + " --to " + Q(tmp_.Sub("bk")));
  ExpectUsageErrorNamingCluster(r);
  EXPECT_EQ(DumpOf(db_), before_) << "store changed";
}

}  // namespace
}  // namespace mnemo::test
