// Package githubsvc adapts the github package's client to the build
// service's GitHub interface: releases of a driver version, workflow
// dispatch and runs, the PR bot.
package githubsvc
