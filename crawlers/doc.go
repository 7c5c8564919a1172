// Package crawlers holds the registry of distributions and Run, which
// crawls them concurrently, tolerates dead mirrors, and never drops kernels
// it merely could not see this time.
package crawlers
