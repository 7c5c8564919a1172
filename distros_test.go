package matrixgen

import (
	"reflect"
	"testing"
)

// TestDistrosAreCopies: Distros and Lookup promise fresh values. Writing
// into every slice and map of what they return (the Releases' own slices
// too) leaves the table as it was.
func TestDistrosAreCopies(t *testing.T) {
	before := exported(Distros())
	got := Distros()
	for i := range got {
		scribble(reflect.ValueOf(&got[i]).Elem())
		if d, ok := Lookup(got[i].Name); ok {
			scribble(reflect.ValueOf(d).Elem())
		}
	}
	if after := exported(Distros()); !reflect.DeepEqual(before, after) {
		for i := range before {
			if !reflect.DeepEqual(before[i], after[i]) {
				t.Errorf("%s: the table changed through a value Distros or Lookup returned:\nbefore %+v\nafter  %+v", distros[i].Name, before[i], after[i])
			}
		}
	}
}

// exported is the table's exported fields (func fields never compare equal).
func exported(ds []Distro) [][]any {
	out := make([][]any, len(ds))
	for i := range ds {
		v := reflect.ValueOf(ds[i])
		for j := 0; j < v.NumField(); j++ {
			if v.Type().Field(j).IsExported() {
				out[i] = append(out[i], v.Field(j).Interface())
			}
		}
	}
	return out
}

// scribble zeroes the first element of every exported slice in v (a
// struct), recurses into the other elements that are structs, and adds a
// key to every exported map.
func scribble(v reflect.Value) {
	for j := 0; j < v.NumField(); j++ {
		if !v.Type().Field(j).IsExported() {
			continue
		}
		f := v.Field(j)
		switch f.Kind() {
		case reflect.Slice:
			for i := 0; i < f.Len(); i++ {
				switch e := f.Index(i); {
				case i == 0:
					e.Set(reflect.Zero(e.Type()))
				case e.Kind() == reflect.Struct:
					scribble(e) // Releases[i].OEM, .CrawlArches
				}
			}
		case reflect.Map:
			if !f.IsNil() {
				f.SetMapIndex(reflect.Zero(f.Type().Key()), reflect.Zero(f.Type().Elem()))
			}
		}
	}
}
