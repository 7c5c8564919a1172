// Package schemas holds the JSON Schemas (draft 2020-12) of every file matrixgen reads or
// writes (kernels.json, crawl output, Falco's list.json, the GitHub Actions matrix), and
// detects and validates those files against them.
package schemas
