// Package service holds the on-demand build service behind `matrixgen
// serve`: HTTP handlers, the build record store beside River's jobs, the
// River workers that dispatch and follow GitHub workflow runs, and metrics.
package service
