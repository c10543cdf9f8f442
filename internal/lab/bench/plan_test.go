package bench

import "testing"

func TestPlans(t *testing.T) {
	for _, tc := range []struct {
		name string
		tool Tool
		size int64
		set  Settings
		want Plan
	}{
		{"osscopy on 100 GiB: 200 MiB parts, 8 per worker", Osscopy, 100 * gib, Settings{}, Plan{Parts: 512, PartSize: 200 * mib, Parallel: 64}},
		{"osscopy on 1.25 GiB: at least 64 MiB", Osscopy, 1280 * mib, Settings{}, Plan{Parts: 20, PartSize: 64 * mib, Parallel: 64}},
		{"osscopy with a part size", Osscopy, tenThousandParts(8 * mib), Settings{Parallel: 64, PartSize: 8 * mib}, Plan{Parts: 10000, PartSize: 8 * mib, Parallel: 64}},
		{"Copier defaults on 100 GiB", CopierDefaults, 100 * gib, Settings{}, Plan{Parts: 1600, PartSize: 64 * mib, Parallel: 3}},
		{"Copier keeps a part size under 10,000 parts", CopierEqual, tenThousandParts(8 * mib), Settings{Parallel: 64, PartSize: 8 * mib}, Plan{Parts: 10000, PartSize: 8 * mib, Parallel: 64}},
		{"Copier doubles parts at exactly 10,000", CopierEqual, 10000 * 8 * mib, Settings{Parallel: 64, PartSize: 8 * mib}, Plan{Parts: 5000, PartSize: 16 * mib, Parallel: 64}},
		{"Copier grows by its part size", CopierDefaults, 2 * 10000 * 64 * mib, Settings{}, Plan{Parts: 6667, PartSize: 192 * mib, Parallel: 3}},
		{"Copier defaults on 10,000 parts of 8 MiB", CopierDefaults, tenThousandParts(8 * mib), Settings{}, Plan{Parts: 1250, PartSize: 64 * mib, Parallel: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PlanFor(tc.tool, tc.size, tc.set)
			if err != nil || got != tc.want {
				t.Errorf("PlanFor(%s, %d, %+v) = %+v, %v; want %+v", tc.tool, tc.size, tc.set, got, err, tc.want)
			}
		})
	}
	for _, tool := range Tools {
		if _, err := PlanFor(tool, 100*mib, Settings{}); err == nil {
			t.Errorf("%s: 100 MiB (one CopyObject) gave no error", tool)
		}
	}
}

// TestSettings: the Copier at equal parallelism gets what osscopy planned.
func TestSettings(t *testing.T) {
	big := Scenario{Size: 100 * gib}
	many := Scenario{Size: tenThousandParts(8 * mib), Parallel: 64, PartSize: 8 * mib}
	for _, tc := range []struct {
		tool Tool
		sc   Scenario
		want Settings
	}{
		{Osscopy, big, Settings{Parallel: 64}},
		{CopierDefaults, big, Settings{}},
		{CopierEqual, big, Settings{Parallel: 64, PartSize: 200 * mib}},
		{Osscopy, many, Settings{Parallel: 64, PartSize: 8 * mib}},
		{CopierEqual, many, Settings{Parallel: 64, PartSize: 8 * mib}},
	} {
		if got, err := settingsFor(tc.tool, tc.sc); err != nil || got != tc.want {
			t.Errorf("settingsFor(%s, %d bytes) = %+v, %v; want %+v", tc.tool, tc.sc.Size, got, err, tc.want)
		}
	}
}

func TestSelect(t *testing.T) {
	s, err := Full().Select([]string{"interrupt", "100gib"})
	if err != nil || len(s.Scenarios) != 2 || s.Scenarios[0].Name != "interrupt" || s.Scenarios[1].Name != "100gib" {
		t.Errorf("Select = %+v, %v", s.Scenarios, err)
	}
	if _, err := Full().Select([]string{"nope"}); err == nil {
		t.Error("an unknown scenario gave no error")
	}
	if len(Quick().Scenarios) != len(Full().Scenarios) {
		t.Error("the quick suite does not have every scenario")
	}
}
