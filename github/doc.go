// Package github is matrixgen's GitHub client: authentication, one
// rate-limit policy for every call, the PR bot that adds kernels to
// kernels.json through the Git Data API, and release assets (what is built).
package github
