package qualys

import "strings"

// Platform is a Qualys shared-cloud pod: its API server (XML APIs, basic
// auth) and its gateway (JSON APIs such as CSAM, JWT auth).
type Platform struct {
	Name       string // e.g. "US1"
	APIURL     string // e.g. "https://qualysapi.qualys.com"
	GatewayURL string // e.g. "https://gateway.qg1.apps.qualys.com"
}

// Platforms returns the shared-cloud pods (US1–4, EU1–3, IN1, CA1, AE1, UK1,
// AU1, KSA1). Private-cloud platforms have customer-specific URLs: pass those
// to Options directly. Each call returns a new slice.
func Platforms() []Platform {
	return []Platform{
		{"US1", "https://qualysapi.qualys.com", "https://gateway.qg1.apps.qualys.com"},
		{"US2", "https://qualysapi.qg2.apps.qualys.com", "https://gateway.qg2.apps.qualys.com"},
		{"US3", "https://qualysapi.qg3.apps.qualys.com", "https://gateway.qg3.apps.qualys.com"},
		{"US4", "https://qualysapi.qg4.apps.qualys.com", "https://gateway.qg4.apps.qualys.com"},
		{"EU1", "https://qualysapi.qualys.eu", "https://gateway.qg1.apps.qualys.eu"},
		{"EU2", "https://qualysapi.qg2.apps.qualys.eu", "https://gateway.qg2.apps.qualys.eu"},
		{"EU3", "https://qualysapi.qg3.apps.qualys.it", "https://gateway.qg3.apps.qualys.it"},
		{"IN1", "https://qualysapi.qg1.apps.qualys.in", "https://gateway.qg1.apps.qualys.in"},
		{"CA1", "https://qualysapi.qg1.apps.qualys.ca", "https://gateway.qg1.apps.qualys.ca"},
		{"AE1", "https://qualysapi.qg1.apps.qualys.ae", "https://gateway.qg1.apps.qualys.ae"},
		{"UK1", "https://qualysapi.qg1.apps.qualys.co.uk", "https://gateway.qg1.apps.qualys.co.uk"},
		{"AU1", "https://qualysapi.qg1.apps.qualys.com.au", "https://gateway.qg1.apps.qualys.com.au"},
		{"KSA1", "https://qualysapi.qg1.apps.qualysksa.com", "https://gateway.qg1.apps.qualysksa.com"},
	}
}

// LookupPlatform returns the pod named name (case-insensitive, e.g. "us1").
func LookupPlatform(name string) (Platform, bool) {
	for _, p := range Platforms() {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, true
		}
	}
	return Platform{}, false
}

// PlatformNames returns the pod names in table order, for help texts.
func PlatformNames() []string {
	ps := Platforms()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}
