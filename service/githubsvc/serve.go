package githubsvc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/github"
	"github.com/matrixgen/matrixgen/internal/secret"
	"github.com/matrixgen/matrixgen/service"
)

// Settings are the build service's settings as `matrixgen serve` takes
// them: the service's, and the repository and client of its GitHub side.
type Settings struct {
	Listen string
	// Store is sqlite:PATH or a postgres:// URL; "": service.DefaultStore
	// under Getenv's $XDG_STATE_HOME or $HOME.
	Store                                               string
	Repo                                                string // OWNER/NAME
	Workflow, Ref, ReleaseTag                           string
	ArtifactTemplate, Package                           string
	PollInterval, BuildTimeout, JobTimeout, RescueAfter time.Duration
	// AuthTokenFile and WebhookSecretFile hold the POST /build token and
	// the webhook secret on their first line; "": none.
	AuthTokenFile, WebhookSecretFile string
	// DefaultVersions are DIST=V: the version used when the release does
	// not say it.
	DefaultVersions []string
	// GitHub is the client's; its Transport is wrapped to count requests
	// for /metrics.
	GitHub github.Settings
	Getenv func(string) string
	// Log gets the service's log and the listening and shutdown lines.
	Log io.Writer
	// Words names the settings above in messages (the CLI: as flags).
	Words matrixgen.Vocabulary
}

// Serve runs the build service s describes until ctx ends (service.Serve).
// A setting it cannot use is a usage error naming it; a store that does
// not answer is a failure.
func Serve(ctx context.Context, s Settings) error {
	w := s.Words.Name
	logger := slog.New(slog.NewTextHandler(s.Log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	repo, err := github.ParseRepo(s.Repo)
	if err != nil {
		return matrixgen.Exit(matrixgen.ExitUsage, fmt.Errorf("%s: %w", w("repo"), err))
	}
	defaults := map[string]string{}
	for _, dv := range s.DefaultVersions {
		d, v, ok := strings.Cut(dv, "=")
		if !ok || d == "" || v == "" {
			return &matrixgen.UsageError{Option: "default-distro-version", Msg: fmt.Sprintf("%q: want DIST=V (ubuntu=24.04)", dv)}
		}
		defaults[d] = v
	}
	authToken, err := secret.Read(w("auth-token-file"), s.AuthTokenFile)
	if err != nil {
		return matrixgen.Exit(matrixgen.ExitUsage, err)
	}
	webhookSecret, err := secret.Read(w("webhook-secret-file"), s.WebhookSecretFile)
	if err != nil {
		return matrixgen.Exit(matrixgen.ExitUsage, err)
	}
	store := s.Store
	if store == "" {
		if store, err = service.DefaultStore(s.Getenv); err != nil {
			return err
		}
	}
	counting := newCountingTransport(s.GitHub.Transport)
	s.GitHub.Transport = counting
	if s.GitHub.Words == nil {
		s.GitHub.Words = s.Words
	}
	client, err := s.GitHub.Client()
	if err != nil {
		return err
	}
	gh := New(Options{Client: client, Repo: repo, Workflow: s.Workflow, Ref: s.Ref, ReleaseTag: s.ReleaseTag, Bot: github.BotOptions{Base: s.Ref}})
	// A *matrixgen.UsageError (a bad --store, --listen, setting) says 2
	// itself; a store that does not answer is 1.
	return service.Serve(ctx, service.ServeOptions{Listen: s.Listen, Store: store, GitHub: gh, Config: service.Config{
		ArtifactTemplate: s.ArtifactTemplate, Package: s.Package, DefaultDistroVersions: defaults,
		PollInterval: s.PollInterval, BuildTimeout: s.BuildTimeout, JobTimeout: s.JobTimeout, RescueAfter: s.RescueAfter,
		Workflow: s.Workflow, AuthToken: authToken, WebhookSecret: webhookSecret, Logger: logger, Collectors: []prometheus.Collector{counting},
	}, Listening: func(addr net.Addr, store string) {
		fmt.Fprintf(s.Log, "matrixgen serve: listening on http://%s (store %s)\n", addr, store)
	}, ShuttingDown: func() { fmt.Fprintln(s.Log, "matrixgen serve: shutting down") }})
}
