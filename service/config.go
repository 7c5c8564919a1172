package service

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"text/template"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/matrixgen/matrixgen"
	"github.com/matrixgen/matrixgen/matrix"
)

// Defaults of Config, as `matrixgen serve --help` states them.
const (
	DefaultPollInterval = 15 * time.Second // the seed service's poll interval
	DefaultBuildTimeout = 15 * time.Minute // the seed service's timeout
	DefaultAssetTTL     = 30 * time.Second
	// DefaultJobTimeout bounds one River job (a dispatch, one follow poll,
	// one PR bot run). DefaultRescueAfter must exceed it (River refuses
	// otherwise): a job running that long belonged to a killed replica and
	// is handed to another.
	DefaultJobTimeout  = 2 * time.Minute
	DefaultRescueAfter = 5 * time.Minute
)

// DefaultWorkflow is the build workflow the service dispatches.
const DefaultWorkflow = "driver-build.yml"

// WorkflowPath is the path GitHub reports (workflow_run.path) for a
// workflow given as a file name or a path.
func WorkflowPath(workflow string) string {
	if strings.Contains(workflow, "/") {
		return workflow
	}
	return ".github/workflows/" + workflow
}

// Config is what the service needs besides its store and GitHub.
type Config struct {
	// ArtifactTemplate is a preset name (matrix.PresetNames) or template
	// text; default the deb-rpm preset.
	ArtifactTemplate string
	Package          string // .Package in the template; default "driver"
	// DefaultDistroVersions pins a version per distribution, used only
	// when the release does not say it (a derived version always wins).
	DefaultDistroVersions map[string]string
	PollInterval          time.Duration // default DefaultPollInterval
	BuildTimeout          time.Duration // default DefaultBuildTimeout
	AssetTTL              time.Duration // default DefaultAssetTTL
	JobTimeout            time.Duration // default DefaultJobTimeout
	RescueAfter           time.Duration // default DefaultRescueAfter
	// FetchPollInterval is how often River looks for new jobs when the
	// driver cannot notify (SQLite); default 250ms (River's is 1s): a node
	// waits for its dispatch, and the query is local.
	FetchPollInterval time.Duration
	// Workflow is the build workflow: a file in .github/workflows
	// ("driver-build.yml", the default) or its path. A workflow run whose
	// id no build recorded (a dispatch without run details) is taken for
	// a build's only when it is a workflow_dispatch run of this workflow:
	// the build id in another workflow's run title is not enough.
	Workflow      string
	AuthToken     string // bearer token for POST /build; "" = none
	WebhookSecret string // "" = POST /github/webhook is not served
	MaxBodyBytes  int64  // default 4 KiB
	// Collectors are registered beside the service's metrics (githubsvc's
	// count of HTTP attempts to GitHub, for one).
	Collectors []prometheus.Collector
	Now        func() time.Time
	Logger     *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.ArtifactTemplate == "" {
		c.ArtifactTemplate = matrix.DefaultPreset
	}
	if c.Package == "" {
		c.Package = "driver"
	}
	if c.Workflow == "" {
		c.Workflow = DefaultWorkflow
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.BuildTimeout <= 0 {
		c.BuildTimeout = DefaultBuildTimeout
	}
	if c.AssetTTL <= 0 {
		c.AssetTTL = DefaultAssetTTL
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = DefaultRescueAfter
	}
	if c.FetchPollInterval <= 0 {
		c.FetchPollInterval = 250 * time.Millisecond
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 4 << 10
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// ArtifactTemplate parses a preset name or template text.
func ArtifactTemplate(s string) (*template.Template, error) {
	if text, ok := matrix.Preset(s); ok {
		// Named as the preset: matrix knows its image tags by that name.
		return matrix.ParseTemplate(s, text)
	}
	return matrix.ParseTemplate("artifact-template", s)
}

// probeKernels are build keys that differ from the first in exactly one
// field each (release, arch, distribution, distro version); with two
// driver versions, the product also covers a driver version alone.
var probeKernels = []matrixgen.Spec{
	{Target: "ubuntu", Arch: "x86_64", Release: "6.8.0-51-generic", DistroVersion: "22.04"},
	{Target: "ubuntu", Arch: "x86_64", Release: "6.8.0-51-generic", DistroVersion: "24.04"},  // HWE: the version alone
	{Target: "ubuntu", Arch: "x86_64", Release: "6.8.0-52-generic", DistroVersion: "22.04"},  // the release alone
	{Target: "ubuntu", Arch: "aarch64", Release: "6.8.0-51-generic", DistroVersion: "22.04"}, // the arch alone
	{Target: "rocky", Arch: "x86_64", Release: "5.14.0-427.13.1.el9_4.x86_64", DistroVersion: "9"},
	{Target: "almalinux", Arch: "x86_64", Release: "5.14.0-427.13.1.el9_4.x86_64", DistroVersion: "9"}, // the distribution alone
}

// checkTemplate refuses a template that gives two build keys differing in
// one field the same name: two builds would overwrite one artifact.
func checkTemplate(t *template.Template, pkg string) error {
	ks := make([]matrixgen.Kernel, 0, len(probeKernels))
	for _, s := range probeKernels {
		k, err := matrixgen.Make(s)
		if err != nil {
			return fmt.Errorf("probe kernel %s: %w", s.Release, err)
		}
		ks = append(ks, k)
	}
	_, err := matrix.Build(ks, matrix.Options{DriverVersions: []string{"1.0.0", "1.0.1"}, Artifact: t, Package: pkg})
	var ce *matrix.CollisionError
	if errors.As(err, &ce) {
		return fmt.Errorf("artifact template gives distinct builds one name, refusing to serve: %w", err)
	}
	if err != nil {
		return fmt.Errorf("artifact template: %w", err)
	}
	return nil
}
