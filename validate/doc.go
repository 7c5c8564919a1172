// Package validate checks matrixgen's files (kernels.json, crawl output,
// Falco's list.json, a matrix) and reports every problem, each at its
// file:line:col.
package validate
