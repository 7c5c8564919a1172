// Package servicetest holds a fake of the service's GitHub interface that
// keeps real state: releases, dispatched runs and their lifecycle, PRs.
package servicetest
