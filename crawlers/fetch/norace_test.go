//go:build !race

package fetch

// raceEnabled: the race detector's sync.Pool drops a random quarter of what is put in it.
const raceEnabled = false
