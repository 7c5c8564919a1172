// Package filelock takes advisory exclusive locks on lock files, so that
// processes doing read-modify-write on one file take turns.
package filelock
