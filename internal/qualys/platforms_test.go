package qualys

import (
	"strings"
	"testing"
)

func TestPlatforms(t *testing.T) {
	t.Parallel()
	want := []string{"US1", "US2", "US3", "US4", "EU1", "EU2", "EU3", "IN1", "CA1", "AE1", "UK1", "AU1", "KSA1"}
	ps := Platforms()
	if len(ps) != len(want) {
		t.Fatalf("%d platforms, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Name != want[i] {
			t.Errorf("platform %d is %s, want %s", i, p.Name, want[i])
		}
		for _, u := range []string{p.APIURL, p.GatewayURL} {
			if _, err := parseBaseURL("URL", u); err != nil {
				t.Errorf("%s: %v", p.Name, err)
			}
		}
		if !strings.Contains(p.APIURL, "qualysapi.") || !strings.Contains(p.GatewayURL, "gateway.") {
			t.Errorf("%s: %+v", p.Name, p)
		}
	}
	p, ok := LookupPlatform(" us1 ")
	if !ok || p.GatewayURL != "https://gateway.qg1.apps.qualys.com" || p.APIURL != "https://qualysapi.qualys.com" {
		t.Errorf("LookupPlatform(us1) = %+v, %v", p, ok)
	}
	if p, _ := LookupPlatform("EU3"); p.GatewayURL != "https://gateway.qg3.apps.qualys.it" {
		t.Errorf("EU3 = %+v", p)
	}
	if _, ok := LookupPlatform("US9"); ok {
		t.Error("US9 found")
	}
	ps[0].Name = "changed"
	if Platforms()[0].Name != "US1" {
		t.Error("Platforms shares its slice")
	}
	if got := strings.Join(PlatformNames(), ","); got != strings.Join(want, ",") {
		t.Errorf("PlatformNames = %s", got)
	}
}
