// Package servicetest holds fakes for the build service's tests: GitHub,
// a fake of the service's GitHub interface that keeps real state
// (releases, dispatched runs and their lifecycle, PRs), and Actions, which
// runs the driver-build workflow on the github package's REST fake.
package servicetest
