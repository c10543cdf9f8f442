package bench

import (
	"fmt"
	"strings"
)

// namesOf lists the names of items, in order.
func namesOf[T any](items []T, name func(T) string) []string {
	names := make([]string, 0, len(items))
	for _, it := range items {
		names = append(names, name(it))
	}
	return names
}

// selectNamed keeps the items named, in the order named (all when names
// is empty); what names the kind of item in the error.
func selectNamed[T any](items []T, name func(T) string, names []string, what string) ([]T, error) {
	if len(names) == 0 {
		return items, nil
	}
	var out []T
	for _, n := range names {
		found := false
		for _, it := range items {
			if name(it) == n {
				out, found = append(out, it), true
			}
		}
		if !found {
			return items, fmt.Errorf("no %s %q (there are %s)", what, n, strings.Join(namesOf(items, name), ", "))
		}
	}
	return out, nil
}
