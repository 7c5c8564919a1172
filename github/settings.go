package github

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/matrixgen/matrixgen"
)

// Settings are a command's GitHub client settings (pr, publish, serve,
// matrix --built-from-release): the one place where a token is picked, the
// pacing checked and the wait log set up.
type Settings struct {
	URL       string // API root (default DefaultURL)
	TokenFile string // the token's file; "": $GITHUB_TOKEN
	Timeout   time.Duration
	// WriteInterval and WritesPerHour pace writes (Options); 0: none.
	WriteInterval time.Duration
	WritesPerHour int
	// Writes, when not "", says what the command writes: without a token
	// GitHub would refuse it only after the command had done its reading,
	// so it is refused up front, with this reason.
	Writes string
	Getenv func(string) string
	// Log gets one line per wait, with its reason.
	Log io.Writer
	// Words names the settings in messages (the CLI: as flags).
	Words matrixgen.Vocabulary
	// Clock and Transport are what tests replace; nil: the real ones.
	Clock     Clock
	Transport http.RoundTripper
}

// Client builds the Client s describes. A bad setting or a missing token
// is a usage error.
func (s Settings) Client() (*Client, error) {
	usage := func(err error) error { return matrixgen.Exit(matrixgen.ExitUsage, err) }
	w := s.Words.Name
	if s.WriteInterval < 0 || s.Timeout <= 0 || s.WritesPerHour < 0 {
		return nil, usage(fmt.Errorf("%s and %s must be >= 0 and %s > 0", w("write-interval"), w("writes-per-hour"), w("github-timeout")))
	}
	tok, err := TokenFrom(s.TokenFile, s.Getenv)
	if err != nil {
		return nil, err
	}
	if tok == "" && s.Writes != "" {
		return nil, usage(fmt.Errorf("no GitHub token: set $GITHUB_TOKEN or %s (%s)", w("github-token-file"), s.Writes))
	}
	c, err := New(Options{BaseURL: s.URL, Token: tok, Timeout: s.Timeout, WriteInterval: s.WriteInterval, WritesPerHour: s.WritesPerHour,
		Logger: slog.New(slog.NewTextHandler(s.Log, &slog.HandlerOptions{Level: slog.LevelInfo})), Clock: s.Clock, Transport: s.Transport})
	if err != nil {
		return nil, usage(fmt.Errorf("%s: %w", w("github-url"), err))
	}
	return c, nil
}
