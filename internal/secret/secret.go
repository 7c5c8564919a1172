// Package secret reads secrets (tokens, webhook keys) from files, so they
// never travel on command lines or in process listings.
package secret

import (
	"fmt"
	"os"
	"strings"
)

// Read returns the first line of file, trimmed; flag names the option in
// errors. An empty file is an error: an empty secret would silently mean
// "no authentication".
func Read(flag, file string) (string, error) {
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return "", fmt.Errorf("%s %s: empty", flag, file)
	}
	return line, nil
}
