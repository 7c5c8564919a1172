// Package schedule decides what a CI run builds: it loads the kernel sets
// (kernels.json and crawl output), builds the matrix entries, leaves out
// the artifacts already built, and writes the matrix, or the plan and one
// chunk of it, with the GitHub Actions step outputs.
package schedule
