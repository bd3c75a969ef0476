package source

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	sy "github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/transform"
)

// The MITRE_* lists of a detection are its own MITRE_ATTACK_LIST when it has
// one, else its KnowledgeBase entry's; the cached join is not changed.
func TestWithOwnMitre(t *testing.T) {
	kb := &qidJoin{QIDInfo: &qidInfo{QID: qidFacts{QID: 7}}, MitreTacticID: []string{"TA0001"}, MitreTacticName: []string{"Initial Access"},
		MitreTechniqueID: []string{"T1190"}, MitreTechniqueName: []string{"Exploit Public-Facing Application"}}
	own := []qualys.MitreAttack{
		{TacticID: "TA0004", TacticName: "Privilege Escalation", TechniqueID: "T1068", TechniqueName: "Exploitation for Privilege Escalation"},
		{TacticID: "TA0002", TacticName: "Execution", TechniqueID: "T1203", TechniqueName: "Exploitation for Client Execution"},
	}
	if got := withOwnMitre(kb, nil); got != kb {
		t.Error("without its own list a detection does not take the KnowledgeBase's")
	}
	got := withOwnMitre(kb, own)
	if got.QIDInfo != kb.QIDInfo || !slices.Equal(got.MitreTacticID, []string{"TA0004", "TA0002"}) ||
		!slices.Equal(got.MitreTechniqueID, []string{"T1068", "T1203"}) || !slices.Equal(got.MitreTechniqueName, []string{"Exploitation for Privilege Escalation", "Exploitation for Client Execution"}) {
		t.Errorf("join %+v", got)
	}
	if !slices.Equal(kb.MitreTacticID, []string{"TA0001"}) {
		t.Error("the cached join changed")
	}
	if got := withOwnMitre(nil, own); got.QIDInfo != nil || len(got.MitreTacticName) != 2 {
		t.Errorf("no KnowledgeBase entry: %+v", got)
	}
}

// A sync's VMDR records carry each detection's own ATT&CK details (the
// source reads API 5.0 with mitre_attack_details=1), and vmdr-default maps
// them to the finding's ATT&CK fields, with no KnowledgeBase join at all.
func TestVMDRFindingsCarryDetectionMitre(t *testing.T) {
	srv, err := qualyssim.New(qualyssim.Config{Assets: 40, Seed: 5, Epoch: 1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	user, pass := srv.Credentials()
	c, err := qualys.NewClient(qualys.Options{GatewayURL: hs.URL, APIURL: hs.URL, Username: user, Password: secret.New(pass), PageTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	src := NewVMDR(c, VMDROptions{PageSize: 20})
	parts, err := src.Plan(t.Context(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := transform.Default(model.SourceVMDR)
	if err != nil {
		t.Fatal(err)
	}
	m, err := transform.Load(raw, "vmdr.yaml", model.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	findings, withATTACK := 0, 0
	err = src.Extract(t.Context(), time.Time{}, parts, func(r sy.Record) error {
		if r.PartitionDone {
			return nil
		}
		var doc struct {
			Vulns []struct {
				QID       int64                `json:"QID"`
				Own       []qualys.MitreAttack `json:"MITRE_ATTACK_LIST"`
				Tactics   []string             `json:"MITRE_TACTIC_ID"`
				Technique []string             `json:"MITRE_TECHNIQUE_ID"`
				QIDInfo   json.RawMessage      `json:"QID_INFO"`
			} `json:"VULNERABILITIES"`
		}
		if err := json.Unmarshal(r.Raw, &doc); err != nil {
			return err
		}
		rec, err := m.Apply(r.Raw)
		if err != nil {
			return err
		}
		fs := rec.Rows(model.EntityFinding)
		mu.Lock()
		defer mu.Unlock()
		if len(fs) != len(doc.Vulns) {
			t.Errorf("host %s: %d findings for %d detections", r.Key, len(fs), len(doc.Vulns))
			return nil
		}
		for i, v := range doc.Vulns {
			findings++
			var ids []string
			for _, a := range v.Own {
				ids = append(ids, a.TechniqueID)
			}
			got, _ := fs[i]["mitre_technique_ids"].([]string)
			if len(v.QIDInfo) > 0 || !slices.Equal(v.Technique, ids) || !slices.Equal(got, ids) || len(v.Tactics) != len(v.Own) {
				t.Errorf("host %s QID %d: own %v, MITRE_TECHNIQUE_ID %v, finding %v", r.Key, v.QID, ids, v.Technique, got)
			}
			if len(got) > 0 {
				withATTACK++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if findings == 0 || withATTACK == 0 {
		t.Errorf("%d findings, %d with ATT&CK techniques", findings, withATTACK)
	}
	if calls := srv.Stats().Calls["POST /api/5.0/fo/asset/host/vm/detection/"]; calls == 0 {
		t.Errorf("the source did not read API 5.0: %v", srv.Stats().Calls)
	}
}
