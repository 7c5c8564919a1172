package service

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"

	"github.com/matrixgen/matrixgen"
)

// Setting is one key of a settings file with its values: a JSON array
// gives several (a repeatable setting), any other JSON value one, as text.
type Setting struct {
	Key    string
	Values []string
}

// ReadSettingsFile reads a JSON object of settings (serve --config:
// {"repo": "o/r", "poll-interval": "15s", "default-distro-version":
// ["ubuntu=24.04"]}), sorted by key. Which keys exist is the caller's to
// say. A file it cannot read or parse is a usage error naming it.
func ReadSettingsFile(file string) ([]Setting, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the file is named once
		}
		return nil, &matrixgen.UsageError{Option: "config", Msg: fmt.Sprintf("%s: %v", file, err)}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, &matrixgen.UsageError{Option: "config", Msg: fmt.Sprintf("%s: %v", file, err)}
	}
	var out []Setting
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var vals []string
		if err := json.Unmarshal(m[k], &vals); err != nil {
			// One value: a number as written (10000000, not the float
			// 1e+07 it would print as), a string or a bool as text.
			dec := json.NewDecoder(bytes.NewReader(m[k]))
			dec.UseNumber()
			var one any
			if err := dec.Decode(&one); err != nil {
				return nil, &matrixgen.UsageError{Option: "config", Msg: fmt.Sprintf("%s: key %q: %v", file, k, err)}
			}
			vals = []string{fmt.Sprint(one)}
		}
		out = append(out, Setting{Key: k, Values: vals})
	}
	return out, nil
}
