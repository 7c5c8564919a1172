// Package workflowcheck holds the contract the shipped GitHub Actions workflows
// (.github/workflows/*.yml) and the composite action (action.yml) must keep on
// github.com, beyond what actionlint checks: repository context for every GitHub
// call, no always() publish, no install of an untagged version, no download of
// every artifact of a run, no JavaScript action in an amazonlinux:2 container,
// attestation that never fails a build, and no riscv64 build on an x86 runner.
package workflowcheck
