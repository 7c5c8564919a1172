package workflowcheck

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v4"
)

// Finding is one broken rule, at file:line (line 0 when the position is unknown).
type Finding struct {
	File string
	Line int
	Rule string
	Msg  string
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Rule, f.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", f.File, f.Rule, f.Msg)
}

// step is a workflow step or a composite action's step: the fields the rules read.
type step struct {
	line            int
	name            string
	uses            string
	with            map[string]string // keys in lower case
	run             string
	workingDir      string
	env             map[string]string
	ifCond          string
	continueOnError string // "true", "false" or an expression; "" when absent
}

// job is a workflow job, or the composite action's steps as one pseudo job.
type job struct {
	file        string
	id          string
	line        int
	ifCond      string
	runsOn      []string
	container   string
	permissions map[string]string // nil when the job sets none; "*" for permissions: read-all/write-all
	env         map[string]string // the job's env over the workflow's
	calls       string            // a reusable workflow's path (jobs.<id>.uses)
	secrets     map[string]string // what a call passes (jobs.<id>.secrets): name as written -> value; "*" -> "inherit"
	steps       []*step
}

// unit is one parsed file.
type unit struct {
	file        string
	action      bool // action.yml
	permissions map[string]string
	jobs        []*job
	inputs      map[string]string // action inputs: name -> default
	outputs     map[string]bool   // action outputs
	onTags      []string          // push tag filters (workflows)
}

func str(s *actionlint.String) string {
	if s == nil {
		return ""
	}
	return s.Value
}

func line(p *actionlint.Pos) int {
	if p == nil {
		return 0
	}
	return p.Line
}

func envMap(e *actionlint.Env) map[string]string {
	m := map[string]string{}
	if e == nil {
		return m
	}
	for _, v := range e.Vars {
		m[str(v.Name)] = str(v.Value)
	}
	return m
}

func permMap(p *actionlint.Permissions) map[string]string {
	if p == nil {
		return nil
	}
	m := map[string]string{}
	if p.All != nil {
		m["*"] = p.All.Value
	}
	for name, s := range p.Scopes {
		m[name] = str(s.Value)
	}
	return m
}

func boolString(b *actionlint.Bool) string {
	if b == nil {
		return ""
	}
	return b.String()
}

// parseWorkflow reads one workflow through actionlint's parser (the one `go tool actionlint` uses).
func parseWorkflow(name string, b []byte) (*unit, error) {
	w, errs := actionlint.Parse(b)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %s", name, errs[0].Error())
	}
	u := &unit{file: name, permissions: permMap(w.Permissions)}
	for _, ev := range w.On {
		if we, ok := ev.(*actionlint.WebhookEvent); ok && str(we.Hook) == "push" && we.Tags != nil {
			for _, t := range we.Tags.Values {
				u.onTags = append(u.onTags, str(t))
			}
		}
	}
	wfEnv := envMap(w.Env)
	ids := make([]string, 0, len(w.Jobs))
	for id := range w.Jobs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		j := w.Jobs[id]
		out := &job{file: name, id: id, line: line(j.Pos), ifCond: str(j.If), permissions: permMap(j.Permissions), env: map[string]string{}}
		for k, v := range wfEnv {
			out.env[k] = v
		}
		for k, v := range envMap(j.Env) {
			out.env[k] = v
		}
		if j.RunsOn != nil {
			for _, l := range j.RunsOn.Labels {
				out.runsOn = append(out.runsOn, str(l))
			}
			if j.RunsOn.LabelsExpr != nil {
				out.runsOn = append(out.runsOn, str(j.RunsOn.LabelsExpr))
			}
		}
		if j.Container != nil {
			out.container = str(j.Container.Image)
		}
		if j.WorkflowCall != nil {
			out.calls = str(j.WorkflowCall.Uses)
			out.secrets = map[string]string{}
			for _, sec := range j.WorkflowCall.Secrets {
				out.secrets[str(sec.Name)] = str(sec.Value)
			}
			if j.WorkflowCall.InheritSecrets {
				out.secrets["*"] = "inherit"
			}
		}
		for _, s := range j.Steps {
			st := &step{line: line(s.Pos), name: str(s.Name), env: envMap(s.Env), ifCond: str(s.If), continueOnError: boolString(s.ContinueOnError), with: map[string]string{}}
			switch e := s.Exec.(type) {
			case *actionlint.ExecRun:
				st.run = str(e.Run)
				st.workingDir = str(e.WorkingDirectory)
			case *actionlint.ExecAction:
				st.uses = str(e.Uses)
				for k, in := range e.Inputs {
					st.with[strings.ToLower(k)] = str(in.Value)
				}
			}
			out.steps = append(out.steps, st)
		}
		u.jobs = append(u.jobs, out)
	}
	return u, nil
}

// actionFile is the part of a composite action's metadata the rules read.
type actionFile struct {
	Inputs map[string]struct {
		Default            string `yaml:"default"`
		DeprecationMessage string `yaml:"deprecationMessage"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string      `yaml:"using"`
		Steps []yaml.Node `yaml:"steps"`
	} `yaml:"runs"`
}

type actionStep struct {
	Name             string            `yaml:"name"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	WorkingDirectory string            `yaml:"working-directory"`
	With             map[string]string `yaml:"with"`
	Env              map[string]string `yaml:"env"`
	ContinueOnError  string            `yaml:"continue-on-error"`
}

// parseAction reads a composite action's metadata; its steps become one pseudo job "runs".
func parseAction(name string, b []byte) (*unit, error) {
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	u := &unit{file: name, action: true, inputs: map[string]string{}, outputs: map[string]bool{}}
	for k, in := range a.Inputs {
		u.inputs[k] = in.Default
	}
	for k := range a.Outputs {
		u.outputs[k] = true
	}
	j := &job{file: name, id: "runs", env: map[string]string{}}
	for i := range a.Runs.Steps {
		n := &a.Runs.Steps[i]
		var s actionStep
		if err := n.Decode(&s); err != nil {
			return nil, fmt.Errorf("%s: runs.steps[%d]: %w", name, i, err)
		}
		st := &step{line: n.Line, name: s.Name, uses: s.Uses, run: s.Run, workingDir: s.WorkingDirectory,
			env: s.Env, ifCond: s.If, continueOnError: s.ContinueOnError, with: map[string]string{}}
		if st.env == nil {
			st.env = map[string]string{}
		}
		for k, v := range s.With {
			st.with[strings.ToLower(k)] = v
		}
		j.steps = append(j.steps, st)
	}
	u.jobs = []*job{j}
	return u, nil
}

// parse reads each file: action.yml (or action.yaml) as a composite action, anything else as a
// workflow. Names are slash paths from the repository root.
func parse(files map[string][]byte) ([]*unit, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var units []*unit
	for _, n := range names {
		var u *unit
		var err error
		if b := path.Base(n); b == "action.yml" || b == "action.yaml" {
			u, err = parseAction(n, files[n])
		} else {
			u, err = parseWorkflow(n, files[n])
		}
		if err != nil {
			return nil, err
		}
		units = append(units, u)
	}
	return units, nil
}
