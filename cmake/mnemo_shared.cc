// Copyright (c) mnemo authors.
//
// The shared libmnemo is made of the static libraries' objects (linked
// whole, see cmake/MnemoInstall.cmake); a library target needs one source
// of its own, and this is it.
