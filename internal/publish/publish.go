// Package publish writes rendered artifacts to a directory atomically,
// refusing to touch a directory it did not write, and checks that a
// directory is what the spec renders to.
//
// The files, one verb each: seal.go (the SHA256SUMS marker), write.go (the
// refusals and the atomic replacement), swap_*.go (the exchange of two
// directories), check.go (staleness).
package publish
