// Copyright (c) mnemo authors.
//
// The mapping of librados return codes onto Status (rados_client.h): the
// code a caller branches on, and a message that names the object. Runs
// without a cluster.

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "rados_client.h"

namespace mnemo::cluster {
namespace {

const std::string kWhat = "writing object mnemo-meta/t1/r.a.0";

TEST(RadosErrorTest, CodesCallersBranchOn) {
  EXPECT_TRUE(RadosError(-ENOENT, kWhat).IsNotFound());
  EXPECT_TRUE(RadosError(-EEXIST, kWhat).IsAlreadyExists());
  EXPECT_TRUE(RadosError(-EBUSY, kWhat).IsBusy());
  EXPECT_TRUE(RadosError(-ECANCELED, kWhat).IsFailedPrecondition());
  EXPECT_TRUE(RadosError(-ESHUTDOWN, kWhat).IsFailedPrecondition());
  EXPECT_TRUE(RadosError(-ETIMEDOUT, kWhat).IsIOError());
  EXPECT_TRUE(RadosError(-ENOSPC, kWhat).IsResourceExhausted());
  EXPECT_TRUE(RadosError(-EIO, kWhat).IsIOError());
}

TEST(RadosErrorTest, MessagesNameTheObjectAndTheCause) {
  for (int e : {ENOENT, EEXIST, EBUSY, ECANCELED, ESHUTDOWN, ETIMEDOUT, EIO}) {
    EXPECT_EQ(RadosError(-e, kWhat).message().rfind(kWhat + ": ", 0), 0u) << e;
  }
  EXPECT_NE(RadosError(-ESHUTDOWN, kWhat).message().find("blocklisted"),
            std::string::npos);
  EXPECT_NE(RadosError(-ECANCELED, kWhat).message().find("stale lease epoch"),
            std::string::npos);
  EXPECT_NE(RadosError(-ETIMEDOUT, kWhat).message().find("timed out"),
            std::string::npos);
  EXPECT_NE(RadosError(-EIO, kWhat).message().find("Input/output error"),
            std::string::npos);
}

}  // namespace
}  // namespace mnemo::cluster
