package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"text/template"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
)

// Service is the build service: one per process, any number of processes
// on one PostgreSQL.
type Service struct {
	cfg      Config
	gh       GitHub
	be       backend
	assets   *assetCache
	artifact *template.Template
	log      *slog.Logger
	m        *metrics
	reg      *prometheus.Registry

	readyMu sync.Mutex
	readyAt time.Time // last successful GitHub check of /readyz
}

// New checks the configuration, runs River's migrations and the build
// record's schema on st, and builds the River client. It refuses an
// artifact template that gives distinct build keys one name.
func New(ctx context.Context, st *Store, gh GitHub, cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	// A Config the service cannot run with is a usage error naming the
	// setting (Serve's callers word it as their flag or config key).
	t, err := ArtifactTemplate(cfg.ArtifactTemplate)
	if err != nil {
		return nil, &matrixgen.UsageError{Msg: err.Error()} // names artifact-template itself
	}
	if err := checkTemplate(t, cfg.Package); err != nil {
		return nil, &matrixgen.UsageError{Msg: err.Error()}
	}
	for d, v := range cfg.DefaultDistroVersions {
		if err := matrixgen.ValidateDistroVersion(v); err != nil {
			return nil, &matrixgen.UsageError{Option: "default-distro-version", Msg: fmt.Sprintf("%s=%s: %v", d, v, err)}
		}
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		return nil, &matrixgen.UsageError{Option: "rescue-after", Msg: fmt.Sprintf("%s must exceed the job timeout %s: a running job would be rescued", cfg.RescueAfter, cfg.JobTimeout)}
	}
	s := &Service{cfg: cfg, artifact: t, log: cfg.Logger, reg: prometheus.NewRegistry()}
	s.gh = &countingGitHub{GitHub: gh, s: s}
	s.assets = newAssetCache(s.gh, cfg.AssetTTL, cfg.Now)
	workers := river.NewWorkers()
	river.AddWorker(workers, &dispatchWorker{s: s})
	river.AddWorker(workers, &followWorker{s: s})
	river.AddWorker(workers, &prWorker{s: s})
	rc := &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
		Workers:              workers,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchPollInterval:    cfg.FetchPollInterval,
		FetchCooldown:        min(cfg.FetchPollInterval, river.FetchCooldownDefault),
		Logger:               cfg.Logger,
	}
	be, err := newBackend(ctx, st, rc)
	if err != nil {
		return nil, err
	}
	s.be = be
	s.m = newMetrics(s.reg, s)
	for _, c := range cfg.Collectors {
		if err := s.reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return s, nil
}

// Start starts River's workers and makes sure the follow job exists.
func (s *Service) Start(ctx context.Context) error {
	if err := s.be.start(ctx); err != nil {
		return fmt.Errorf("river: %w", err)
	}
	if err := s.be.ensureFollow(ctx); err != nil {
		return fmt.Errorf("enqueue the follow job: %w", err)
	}
	return nil
}

// Stop lets River finish running jobs and hand the rest back, within ctx.
func (s *Service) Stop(ctx context.Context) error { return s.be.stop(ctx) }

// recentListing is how old a release listing may be when a request for a
// key with no build decides to dispatch.
const recentListing = 5 * time.Second

// Request is the body of POST /build.
type Request struct {
	KernelVersion string `json:"kernel_version"` // uname -r
	Architecture  string `json:"architecture"`
	Distribution  string `json:"distribution"`
	DistroVersion string `json:"distro_version,omitempty"`
	DriverVersion string `json:"driver_version"`
	// UnameV is uname -v (or the Ubuntu upload, "41~22.04.1"): it tells an
	// Ubuntu HWE kernel's release. Optional.
	UnameV string `json:"uname_v,omitempty"`
}

// Status is the answer of POST /build and GET /status/{id}.
type Status struct {
	BuildID         string `json:"build_id"`
	Status          string `json:"status"`
	Key             string `json:"key"`
	Artifact        string `json:"artifact"`
	ArtifactURL     string `json:"artifact_url,omitempty"`
	RunURL          string `json:"run_url,omitempty"`
	Reason          string `json:"reason,omitempty"`
	PreviousBuildID string `json:"previous_build_id,omitempty"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

func statusOf(b Build) Status {
	return Status{
		BuildID: b.ID, Status: b.State, Key: b.Key, Artifact: b.Artifact, ArtifactURL: b.ArtifactURL,
		RunURL: b.RunURL, Reason: b.Reason, PreviousBuildID: b.PreviousID,
		CreatedAt: b.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: b.UpdatedAt.UTC().Format(time.RFC3339),
	}
}

// FieldError is a refused request: the API field and the rule it broke.
type FieldError struct {
	Field string `json:"field"`
	Value string `json:"value"`
	Rule  string `json:"rule"`
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Rule)
}

// apiField names a domain field as POST /build calls it.
var apiField = map[string]string{
	"kernelrelease": "kernel_version",
	"release":       "kernel_version",
	"arch":          "architecture",
	"target":        "distribution",
	"distroversion": "distro_version",
	"kernelversion": "uname_v",
	"flavor":        "kernel_version",
}

// Kernel validates r through the domain's one rule (matrixgen.Make). A
// missing distro version is derived; the configured default for the
// distribution is used only when the release cannot say it, so a derived
// version always wins over a default that contradicts it.
func (s *Service) Kernel(r Request) (matrixgen.Kernel, error) {
	if err := matrix.ValidateDriverVersion(r.DriverVersion); err != nil {
		var ie *matrixgen.InvalidError
		if errors.As(err, &ie) {
			return matrixgen.Kernel{}, &FieldError{Field: "driver_version", Value: r.DriverVersion, Rule: ie.Reason}
		}
		return matrixgen.Kernel{}, &FieldError{Field: "driver_version", Value: r.DriverVersion, Rule: err.Error()}
	}
	spec := matrixgen.Spec{Target: r.Distribution, Arch: matrixgen.Arch(r.Architecture), Release: r.KernelVersion, DistroVersion: r.DistroVersion, KernelVersion: r.UnameV}
	k, err := matrixgen.Make(spec)
	var ue *matrixgen.UnderivableError
	if errors.As(err, &ue) && r.DistroVersion == "" {
		t, terr := matrixgen.ParseTarget(r.Distribution)
		if def, ok := s.cfg.DefaultDistroVersions[t.Distribution]; terr == nil && ok {
			spec.DistroVersion = def
			k, err = matrixgen.Make(spec)
		}
	}
	if err == nil {
		return k, nil
	}
	var ie *matrixgen.InvalidError
	switch {
	case errors.As(err, &ie):
		f := apiField[ie.Field]
		if f == "" {
			f = ie.Field
		}
		return matrixgen.Kernel{}, &FieldError{Field: f, Value: ie.Value, Rule: ie.Reason}
	case errors.As(err, &ue):
		return matrixgen.Kernel{}, &FieldError{Field: "distro_version", Value: "", Rule: "not given, and the release does not say it: " + ue.Reason + " (give distro_version, or ask the service's operator to set a default distro version for " + r.Distribution + ", setting default-distro-version)"}
	}
	return matrixgen.Kernel{}, err
}

// artifactName renders k's artifact with the matrix package's own code.
func (s *Service) artifactName(k matrixgen.Kernel, driverVersion string) (string, string, error) {
	es, err := matrix.Build([]matrixgen.Kernel{k}, matrix.Options{DriverVersions: []string{driverVersion}, Artifact: s.artifact, Package: s.cfg.Package, NamesOnly: true})
	if err != nil {
		return "", "", err
	}
	return es[0].Artifact, es[0].CacheKey, nil
}

// Submit handles one build request after decoding: validate, look in the
// releases, then insert (or join) the build for its key.
func (s *Service) Submit(ctx context.Context, r Request) (Status, bool, error) {
	k, err := s.Kernel(r)
	if err != nil {
		return Status{}, false, err
	}
	name, key, err := s.artifactName(k, r.DriverVersion)
	if err != nil {
		return Status{}, false, &FieldError{Field: "kernel_version", Value: r.KernelVersion, Rule: err.Error()}
	}
	url, built, err := s.assets.find(ctx, r.DriverVersion, name, s.cfg.AssetTTL)
	if err == nil && !built {
		// Not in the cached listing: a build of the key answers without
		// GitHub; a key nobody asked for yet gets a listing at most
		// recentListing old, so an artifact published since the cache was
		// filled is not built again, and a storm of new keys still costs
		// one listing per recentListing.
		b, aerr := s.be.activeByKey(ctx, key)
		switch {
		case aerr == nil && b.State != StateDone:
			s.m.dedupeHits.Inc()
			return statusOf(b), false, nil
		case aerr == nil:
			// Done, yet not in the cached listing: published after that
			// listing was made, or deleted since. A listing newer than the
			// build's end tells which; a deleted artifact is built again
			// rather than answered with a URL that no longer exists.
			url, built, err = s.assets.find(ctx, r.DriverVersion, name, max(0, s.cfg.Now().Sub(b.UpdatedAt)))
			if err != nil {
				break
			}
			if built {
				s.m.dedupeHits.Inc()
				st := statusOf(b)
				st.ArtifactURL = url
				return st, false, nil
			}
			reason := fmt.Sprintf("artifact %s is no longer in the release of driver version %s: built again", name, r.DriverVersion)
			if err := s.be.retire(ctx, b.ID, reason, s.cfg.Now()); err != nil {
				return Status{}, false, err
			}
			s.log.InfoContext(ctx, "artifact gone from the release; building again", "build", b.ID, "key", key, "artifact", name)
		default:
			url, built, err = s.assets.find(ctx, r.DriverVersion, name, min(recentListing, s.cfg.AssetTTL))
		}
	}
	if err != nil {
		return Status{}, false, fmt.Errorf("release listing for driver version %s: %w", r.DriverVersion, err)
	}
	now := s.cfg.Now()
	b := Build{
		ID: newID(), Key: key, State: StateQueued, Distribution: k.Distribution, DistroVersion: k.DistroVersion,
		Arch: string(k.Arch), Release: k.Release, KernelVersion: k.KernelVersion, DriverVersion: r.DriverVersion,
		Artifact: name, CreatedAt: now, UpdatedAt: now,
	}
	if built {
		b.State, b.ArtifactURL = StateDone, url
	}
	got, created, err := s.be.create(ctx, b)
	if err != nil {
		return Status{}, false, err
	}
	if !created {
		s.m.dedupeHits.Inc()
	}
	return statusOf(got), created, nil
}

// Get is GET /status/{id}.
func (s *Service) Get(ctx context.Context, id string) (Status, error) {
	b, err := s.be.get(ctx, id)
	if err != nil {
		return Status{}, err
	}
	return statusOf(b), nil
}
