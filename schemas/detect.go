package schemas

import (
	"fmt"
	"maps"
	"slices"
)

// arches are the keys of kernels.json; they must match kernels.schema.json.
var arches = map[string]bool{"x86_64": true, "aarch64": true, "riscv64": true, "aarch64+64k": true}

// crawlerFields are entry fields that only Falco-shaped lists have, never kernels.json.
var crawlerFields = []string{"kernelversion", "headers", "kernelconfigdata"}

// Detect tells which kind of file data is, from its shape alone (it does not validate):
//
//   - a top-level array of objects that each have a "name": Distros;
//   - a "matrixgen_plan" key: Plan;
//   - an "include" key: Matrix;
//   - every key an architecture name (or no key at all, an empty demand list): Kernels;
//   - lists whose entries carry Falco's fields (kernelversion, headers, kernelconfigdata):
//     Crawl if any entry has a distroversion, FalcoList if none has;
//   - lists of entries with a kernelrelease and none of Falco's fields: Kernels, so that a
//     misspelt architecture key is reported by validation rather than as an unknown file.
//
// Anything else is an error wrapping ErrUnknownFormat that says why; malformed JSON is a
// *jsonpos.Error wrapping ErrMalformed.
func Detect(data []byte) (Kind, error) {
	v, err := decode(data)
	if err != nil {
		return "", err
	}
	return detect(v)
}

func detect(v any) (Kind, error) {
	if list, ok := v.([]any); ok && len(list) > 0 {
		// The one kind whose top level is an array: objects that each
		// have a name (validation says what else is wrong).
		named := true
		for _, e := range list {
			if o, ok := e.(map[string]any); !ok || o["name"] == nil {
				named = false
				break
			}
		}
		if named {
			return Distros, nil
		}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("%w: the top-level value is %s, want an object", ErrUnknownFormat, typeName(v))
	}
	if _, ok := obj["matrixgen_plan"]; ok {
		return Plan, nil
	}
	if _, ok := obj["include"]; ok {
		return Matrix, nil
	}
	allArches := true
	for k := range obj {
		if !arches[k] {
			allArches = false
			break
		}
	}
	if allArches {
		return Kernels, nil
	}

	keys := slices.Sorted(maps.Keys(obj)) // so that the reason given below does not change from run to run

	var entries, withRelease, withDistroVersion, withCrawlerField int
	var notList string
	for _, k := range keys {
		list, ok := obj[k].([]any)
		if !ok {
			if notList == "" {
				notList = fmt.Sprintf("key %q holds %s, not a list of kernels", k, typeName(obj[k]))
			}
			continue
		}
		for _, e := range list {
			entry, ok := e.(map[string]any)
			if !ok {
				continue
			}
			entries++
			if _, ok := entry["kernelrelease"]; ok {
				withRelease++
			}
			if _, ok := entry["distroversion"]; ok {
				withDistroVersion++
			}
			for _, f := range crawlerFields {
				if _, ok := entry[f]; ok {
					withCrawlerField++
					break
				}
			}
		}
	}
	switch {
	case withCrawlerField > 0 && withDistroVersion > 0:
		return Crawl, nil
	case withCrawlerField > 0:
		return FalcoList, nil
	case withRelease > 0:
		return Kernels, nil
	case notList != "":
		return "", fmt.Errorf("%w: %s", ErrUnknownFormat, notList)
	case entries == 0:
		return "", fmt.Errorf("%w: no key is an architecture and every list is empty, so it could be crawl output or a Falco list (keys: %s)",
			ErrUnknownFormat, quoteKeys(keys))
	default:
		return "", fmt.Errorf("%w: no key is an architecture and no entry has a kernelrelease (keys: %s)",
			ErrUnknownFormat, quoteKeys(keys))
	}
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	default:
		return "a number"
	}
}

// quoteKeys lists at most a few keys: enough to recognise the file.
func quoteKeys(keys []string) string {
	const show = 5
	s := ""
	for i, k := range keys {
		if i == show {
			return s + fmt.Sprintf(", and %d more", len(keys)-show)
		}
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", k)
	}
	return s
}
