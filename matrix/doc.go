// Package matrix holds set operations on kernels (merge, dedupe, diff,
// filter) and renders them as GitHub Actions matrices, artifact names and
// the compatibility document.
package matrix
