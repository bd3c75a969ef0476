package qualys

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"math"
	"strconv"
)

// The wire types of the API server's XML documents (host list detection,
// host list, KnowledgeBase). Their JSON encoding is a contract with the
// transform maps: keys are the XML element names, list containers become
// arrays (DETECTION_LIST>DETECTION is the array VULNERABILITIES), an element
// with text and attributes becomes an object ({"value": …, "<attribute>": …}),
// integers and CVSS scores are JSON numbers, everything else is a string kept
// as sent (dates included; RESULTS still HTML-escaped). Every string is
// trimmed of surrounding whitespace. An element that is absent or empty is
// absent from the JSON.

// Int is an integer element or attribute, decoded leniently: surrounding
// whitespace is ignored, and text that is not an integer is kept in Text
// instead of failing the page. Its JSON is the number, the text as a string
// when it is not a number, or nothing (with omitzero) when the element was
// absent or empty.
type Int struct {
	Value int64  // the integer; 0 unless Valid
	Valid bool   // the element held an integer
	Text  string // the trimmed text when it is not an integer
}

// IntOf returns a valid Int holding n.
func IntOf(n int64) Int { return Int{Value: n, Valid: true} }

// IsZero reports whether the element was absent or empty (for omitzero).
func (i Int) IsZero() bool { return !i.Valid && i.Text == "" }

// UnmarshalText implements encoding.TextUnmarshaler; it never fails.
func (i *Int) UnmarshalText(b []byte) error {
	s := string(bytes.TrimSpace(b))
	*i = Int{}
	if s == "" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		i.Value, i.Valid = n, true
	} else {
		i.Text = s
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (i Int) MarshalJSON() ([]byte, error) {
	switch {
	case i.Valid:
		return strconv.AppendInt(nil, i.Value, 10), nil
	case i.Text != "":
		return json.Marshal(i.Text)
	}
	return []byte("null"), nil
}

// UnmarshalJSON implements json.Unmarshaler: a number, a string or null.
func (i *Int) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return i.UnmarshalText([]byte(s))
	}
	if string(b) == "null" {
		*i = Int{}
		return nil
	}
	return i.UnmarshalText(b)
}

// Float is a decimal element (a CVSS score), decoded leniently like Int.
type Float struct {
	Value float64 // the number; 0 unless Valid
	Valid bool    // the element held a finite number
	Text  string  // the trimmed text when it is not a number
}

// FloatOf returns a valid Float holding f.
func FloatOf(f float64) Float { return Float{Value: f, Valid: true} }

// IsZero reports whether the element was absent or empty (for omitzero).
func (f Float) IsZero() bool { return !f.Valid && f.Text == "" }

// UnmarshalText implements encoding.TextUnmarshaler; it never fails.
func (f *Float) UnmarshalText(b []byte) error {
	s := string(bytes.TrimSpace(b))
	*f = Float{}
	if s == "" {
		return nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
		f.Value, f.Valid = v, true
	} else {
		f.Text = s
	}
	return nil
}

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	switch {
	case f.Valid:
		return strconv.AppendFloat(nil, f.Value, 'f', -1, 64), nil
	case f.Text != "":
		return json.Marshal(f.Text)
	}
	return []byte("null"), nil
}

// UnmarshalJSON implements json.Unmarshaler: a number, a string or null.
func (f *Float) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return f.UnmarshalText([]byte(s))
	}
	if string(b) == "null" {
		*f = Float{}
		return nil
	}
	return f.UnmarshalText(b)
}

// xmlID decodes an ID element leniently: text that is not an integer gives 0.
type xmlID int64

func (x *xmlID) UnmarshalText(b []byte) error {
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		n = 0
	}
	*x = xmlID(n)
	return nil
}

// Host is a HOST of the host list detection API (with its detections) or of
// the host list API (details=Basic or All; the fields marked host list only
// come from there).
type Host struct {
	ID                    int64           `xml:"-" json:"ID"`
	AssetID               int64           `xml:"-" json:"ASSET_ID,omitempty"`
	IP                    string          `xml:"IP" json:"IP,omitempty"`
	IPv6                  string          `xml:"IPV6" json:"IPV6,omitempty"`
	AssetRiskScore        Int             `xml:"ASSET_RISK_SCORE" json:"ASSET_RISK_SCORE,omitzero"`               // host list only
	TruRiskScore          Int             `xml:"TRURISK_SCORE" json:"TRURISK_SCORE,omitzero"`                     // host list only
	AssetCriticalityScore Int             `xml:"ASSET_CRITICALITY_SCORE" json:"ASSET_CRITICALITY_SCORE,omitzero"` // host list only
	TruRiskScoreFactors   *TruRiskFactors `xml:"TRURISK_SCORE_FACTORS" json:"TRURISK_SCORE_FACTORS,omitempty"`    // host list only
	TrackingMethod        string          `xml:"TRACKING_METHOD" json:"TRACKING_METHOD,omitempty"`
	NetworkID             string          `xml:"NETWORK_ID" json:"NETWORK_ID,omitempty"`
	OS                    string          `xml:"OS" json:"OS,omitempty"`
	OSCPE                 string          `xml:"OS_CPE" json:"OS_CPE,omitempty"`
	DNS                   string          `xml:"DNS" json:"DNS,omitempty"`
	DNSData               *DNSData        `xml:"DNS_DATA" json:"DNS_DATA,omitempty"`
	CloudProvider         string          `xml:"CLOUD_PROVIDER" json:"CLOUD_PROVIDER,omitempty"`
	CloudService          string          `xml:"CLOUD_SERVICE" json:"CLOUD_SERVICE,omitempty"`
	CloudResourceID       string          `xml:"CLOUD_RESOURCE_ID" json:"CLOUD_RESOURCE_ID,omitempty"`
	EC2InstanceID         string          `xml:"EC2_INSTANCE_ID" json:"EC2_INSTANCE_ID,omitempty"`
	NetBIOS               string          `xml:"NETBIOS" json:"NETBIOS,omitempty"`
	QGHostID              string          `xml:"QG_HOSTID" json:"QG_HOSTID,omitempty"`
	LastBoot              string          `xml:"LAST_BOOT" json:"LAST_BOOT,omitempty"`                           // host list only
	SerialNumber          string          `xml:"SERIAL_NUMBER" json:"SERIAL_NUMBER,omitempty"`                   // host list only
	HardwareUUID          string          `xml:"HARDWARE_UUID" json:"HARDWARE_UUID,omitempty"`                   // host list only
	FirstFoundDate        string          `xml:"FIRST_FOUND_DATE" json:"FIRST_FOUND_DATE,omitempty"`             // host list only
	LastActivity          string          `xml:"LAST_ACTIVITY" json:"LAST_ACTIVITY,omitempty"`                   // host list only
	AgentStatus           string          `xml:"AGENT_STATUS" json:"AGENT_STATUS,omitempty"`                     // host list only
	CloudAgentRunningOn   string          `xml:"CLOUD_AGENT_RUNNING_ON" json:"CLOUD_AGENT_RUNNING_ON,omitempty"` // host list only
	LastScanDateTime      string          `xml:"LAST_SCAN_DATETIME" json:"LAST_SCAN_DATETIME,omitempty"`
	LastVulnScanDateTime  string          `xml:"LAST_VULN_SCAN_DATETIME" json:"LAST_VULN_SCAN_DATETIME,omitempty"` // host list only
	LastVMScannedDate     string          `xml:"LAST_VM_SCANNED_DATE" json:"LAST_VM_SCANNED_DATE,omitempty"`
	// LastVMScannedDuration is in seconds.
	LastVMScannedDuration      Int        `xml:"LAST_VM_SCANNED_DURATION" json:"LAST_VM_SCANNED_DURATION,omitzero"`
	LastVMAuthScannedDate      string     `xml:"LAST_VM_AUTH_SCANNED_DATE" json:"LAST_VM_AUTH_SCANNED_DATE,omitempty"`
	LastVMAuthScannedDuration  Int        `xml:"LAST_VM_AUTH_SCANNED_DURATION" json:"LAST_VM_AUTH_SCANNED_DURATION,omitzero"`
	LastPCScannedDate          string     `xml:"LAST_PC_SCANNED_DATE" json:"LAST_PC_SCANNED_DATE,omitempty"`
	LastComplianceScanDateTime string     `xml:"LAST_COMPLIANCE_SCAN_DATETIME" json:"LAST_COMPLIANCE_SCAN_DATETIME,omitempty"` // host list only
	LastSCAPScanDateTime       string     `xml:"LAST_SCAP_SCAN_DATETIME" json:"LAST_SCAP_SCAN_DATETIME,omitempty"`             // host list only
	Tags                       []Tag      `xml:"TAGS>TAG" json:"TAGS,omitempty"`
	Metadata                   *Metadata  `xml:"METADATA" json:"METADATA,omitempty"`
	CloudProviderTags          []CloudTag `xml:"CLOUD_PROVIDER_TAGS>CLOUD_TAG" json:"CLOUD_PROVIDER_TAGS,omitempty"`
	Owner                      string     `xml:"OWNER" json:"OWNER,omitempty"`       // host list only
	Comments                   string     `xml:"COMMENTS" json:"COMMENTS,omitempty"` // host list only
	UserDef                    *UserDef   `xml:"USER_DEF" json:"USER_DEF,omitempty"` // host list only
	// AssetGroupIDs is the comma-separated list as sent (host list only).
	AssetGroupIDs string `xml:"ASSET_GROUP_IDS" json:"ASSET_GROUP_IDS,omitempty"`
	// Detections are the host's DETECTION_LIST (host list detection only).
	Detections []Detection `xml:"DETECTION_LIST>DETECTION" json:"VULNERABILITIES,omitempty"`
}

// UnmarshalXML decodes a HOST element; ID and ASSET_ID are read leniently
// (0 when not an integer).
func (h *Host) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain Host
	var w struct {
		*plain
		ID      xmlID `xml:"ID"`
		AssetID xmlID `xml:"ASSET_ID"`
	}
	w.plain = (*plain)(h)
	if err := d.DecodeElement(&w, &start); err != nil {
		return err
	}
	h.ID, h.AssetID = int64(w.ID), int64(w.AssetID)
	return nil
}

// DNSData is a host's DNS_DATA.
type DNSData struct {
	Hostname string `xml:"HOSTNAME" json:"HOSTNAME,omitempty"`
	Domain   string `xml:"DOMAIN" json:"DOMAIN,omitempty"`
	FQDN     string `xml:"FQDN" json:"FQDN,omitempty"`
}

// Tag is an asset tag of a host (TAGS>TAG). TAG_ID is a string, as Qualys
// sends it in CDATA.
type Tag struct {
	TagID           string `xml:"TAG_ID" json:"TAG_ID,omitempty"`
	Name            string `xml:"NAME" json:"NAME,omitempty"`
	Color           string `xml:"COLOR" json:"COLOR,omitempty"`
	BackgroundColor string `xml:"BACKGROUND_COLOR" json:"BACKGROUND_COLOR,omitempty"`
}

// Metadata is a host's cloud instance METADATA (host_metadata=…).
type Metadata struct {
	EC2    []MetadataAttribute `xml:"EC2>ATTRIBUTE" json:"EC2,omitempty"`
	Google []MetadataAttribute `xml:"GOOGLE>ATTRIBUTE" json:"GOOGLE,omitempty"`
	Azure  []MetadataAttribute `xml:"AZURE>ATTRIBUTE" json:"AZURE,omitempty"`
}

// MetadataAttribute is one cloud metadata ATTRIBUTE.
type MetadataAttribute struct {
	Name            string `xml:"NAME" json:"NAME,omitempty"`
	LastStatus      string `xml:"LAST_STATUS" json:"LAST_STATUS,omitempty"`
	Value           string `xml:"VALUE" json:"VALUE,omitempty"`
	LastSuccessDate string `xml:"LAST_SUCCESS_DATE" json:"LAST_SUCCESS_DATE,omitempty"`
	LastErrorDate   string `xml:"LAST_ERROR_DATE" json:"LAST_ERROR_DATE,omitempty"`
	LastError       string `xml:"LAST_ERROR" json:"LAST_ERROR,omitempty"`
}

// CloudTag is a cloud provider tag of a host (CLOUD_PROVIDER_TAGS>CLOUD_TAG).
type CloudTag struct {
	Name            string `xml:"NAME" json:"NAME,omitempty"`
	Value           string `xml:"VALUE" json:"VALUE,omitempty"`
	LastSuccessDate string `xml:"LAST_SUCCESS_DATE" json:"LAST_SUCCESS_DATE,omitempty"`
}

// UserDef holds a host's user-defined values (host list).
type UserDef struct {
	Value1 string `xml:"VALUE_1" json:"VALUE_1,omitempty"`
	Value2 string `xml:"VALUE_2" json:"VALUE_2,omitempty"`
	Value3 string `xml:"VALUE_3" json:"VALUE_3,omitempty"`
}

// TruRiskFactors is a host's TRURISK_SCORE_FACTORS (host list,
// show_trurisk_factors=1).
type TruRiskFactors struct {
	Formula    string      `xml:"TRURISK_SCORE_FORMULA" json:"TRURISK_SCORE_FORMULA,omitempty"`
	VulnCounts []VulnCount `xml:"VULN_COUNT" json:"VULN_COUNT,omitempty"`
}

// VulnCount is <VULN_COUNT qds_severity="N">count</VULN_COUNT>.
type VulnCount struct {
	Value       Int `xml:",chardata" json:"value,omitzero"`
	QDSSeverity Int `xml:"qds_severity,attr" json:"qds_severity,omitzero"`
}

// Detection is one DETECTION of a host.
type Detection struct {
	UniqueVulnID int64  `xml:"-" json:"UNIQUE_VULN_ID,omitempty"`
	QID          int64  `xml:"-" json:"QID"`
	Type         string `xml:"TYPE" json:"TYPE,omitempty"` // Confirmed, Potential, Info
	Severity     Int    `xml:"SEVERITY" json:"SEVERITY,omitzero"`
	// Port is absent (not Valid) for host-level detections; 0 is a port.
	Port     Int    `xml:"PORT" json:"PORT,omitzero"`
	Protocol string `xml:"PROTOCOL" json:"PROTOCOL,omitempty"`
	FQDN     string `xml:"FQDN" json:"FQDN,omitempty"`
	SSL      Int    `xml:"SSL" json:"SSL,omitzero"`
	Instance string `xml:"INSTANCE" json:"INSTANCE,omitempty"`
	// Results is kept as sent: HTML-escaped text (&quot;, &lt;, …), tab- and
	// newline-separated tables.
	Results               string      `xml:"RESULTS" json:"RESULTS,omitempty"`
	Status                string      `xml:"STATUS" json:"STATUS,omitempty"` // New, Active, Fixed, Re-Opened; absent on Info
	FirstFoundDateTime    string      `xml:"FIRST_FOUND_DATETIME" json:"FIRST_FOUND_DATETIME,omitempty"`
	LastFoundDateTime     string      `xml:"LAST_FOUND_DATETIME" json:"LAST_FOUND_DATETIME,omitempty"`
	QDS                   *QDS        `xml:"QDS" json:"QDS,omitempty"`
	QDSFactors            []QDSFactor `xml:"QDS_FACTORS>QDS_FACTOR" json:"QDS_FACTORS,omitempty"`
	TimesFound            Int         `xml:"TIMES_FOUND" json:"TIMES_FOUND,omitzero"`
	LastTestDateTime      string      `xml:"LAST_TEST_DATETIME" json:"LAST_TEST_DATETIME,omitempty"`
	LastUpdateDateTime    string      `xml:"LAST_UPDATE_DATETIME" json:"LAST_UPDATE_DATETIME,omitempty"`
	LastFixedDateTime     string      `xml:"LAST_FIXED_DATETIME" json:"LAST_FIXED_DATETIME,omitempty"`
	FirstReopenedDateTime string      `xml:"FIRST_REOPENED_DATETIME" json:"FIRST_REOPENED_DATETIME,omitempty"`
	LastReopenedDateTime  string      `xml:"LAST_REOPENED_DATETIME" json:"LAST_REOPENED_DATETIME,omitempty"`
	TimesReopened         Int         `xml:"TIMES_REOPENED" json:"TIMES_REOPENED,omitzero"`
	Service               string      `xml:"SERVICE" json:"SERVICE,omitempty"`
	IsIgnored             Int         `xml:"IS_IGNORED" json:"IS_IGNORED,omitzero"`
	IsDisabled            Int         `xml:"IS_DISABLED" json:"IS_DISABLED,omitzero"`
	AffectRunningKernel   Int         `xml:"AFFECT_RUNNING_KERNEL" json:"AFFECT_RUNNING_KERNEL,omitzero"`
	AffectRunningService  Int         `xml:"AFFECT_RUNNING_SERVICE" json:"AFFECT_RUNNING_SERVICE,omitzero"`
	AffectExploitableConf Int         `xml:"AFFECT_EXPLOITABLE_CONFIG" json:"AFFECT_EXPLOITABLE_CONFIG,omitzero"`
	LastProcessedDateTime string      `xml:"LAST_PROCESSED_DATETIME" json:"LAST_PROCESSED_DATETIME,omitempty"`
	AssetCVE              string      `xml:"ASSET_CVE" json:"ASSET_CVE,omitempty"`
	// MitreAttackList is the detection's MITRE ATT&CK tactics and
	// techniques, one entry per (tactic, technique) pair: API 4.0 and 5.0
	// with mitre_attack_details=1 (DetectionQuery.MitreAttackDetails).
	MitreAttackList []MitreAttack `xml:"MITRE_ATTACK_LIST>MITRE_ATTACK" json:"MITRE_ATTACK_LIST,omitempty"`
}

// UnmarshalXML decodes a DETECTION element; QID and UNIQUE_VULN_ID are read
// leniently (0 when not an integer).
func (det *Detection) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain Detection
	var w struct {
		*plain
		UniqueVulnID xmlID `xml:"UNIQUE_VULN_ID"`
		QID          xmlID `xml:"QID"`
	}
	w.plain = (*plain)(det)
	if err := d.DecodeElement(&w, &start); err != nil {
		return err
	}
	det.UniqueVulnID, det.QID = int64(w.UniqueVulnID), int64(w.QID)
	return nil
}

// QDS is <QDS severity="LOW|MEDIUM|HIGH|CRITICAL">score</QDS>.
type QDS struct {
	Value    Int    `xml:",chardata" json:"value,omitzero"`
	Severity string `xml:"severity,attr" json:"severity,omitempty"`
}

// QDSFactor is <QDS_FACTOR name="…">value</QDS_FACTOR>.
type QDSFactor struct {
	Name  string `xml:"name,attr" json:"name"`
	Value string `xml:",chardata" json:"value"`
}

// Vuln is one KnowledgeBase VULN (QID).
type Vuln struct {
	QID                             int64          `xml:"-" json:"QID"`
	VulnType                        string         `xml:"VULN_TYPE" json:"VULN_TYPE,omitempty"`
	SeverityLevel                   Int            `xml:"SEVERITY_LEVEL" json:"SEVERITY_LEVEL,omitzero"`
	Title                           string         `xml:"TITLE" json:"TITLE,omitempty"`
	Category                        string         `xml:"CATEGORY" json:"CATEGORY,omitempty"`
	DetectionInfo                   string         `xml:"DETECTION_INFO" json:"DETECTION_INFO,omitempty"`
	LastCustomization               *Customization `xml:"LAST_CUSTOMIZATION" json:"LAST_CUSTOMIZATION,omitempty"`
	LastServiceModificationDateTime string         `xml:"LAST_SERVICE_MODIFICATION_DATETIME" json:"LAST_SERVICE_MODIFICATION_DATETIME,omitempty"`
	PublishedDateTime               string         `xml:"PUBLISHED_DATETIME" json:"PUBLISHED_DATETIME,omitempty"`
	BugtraqList                     []Reference    `xml:"BUGTRAQ_LIST>BUGTRAQ" json:"BUGTRAQ_LIST,omitempty"`
	Patchable                       Int            `xml:"PATCHABLE" json:"PATCHABLE,omitzero"`
	SoftwareList                    []Software     `xml:"SOFTWARE_LIST>SOFTWARE" json:"SOFTWARE_LIST,omitempty"`
	VendorReferenceList             []Reference    `xml:"VENDOR_REFERENCE_LIST>VENDOR_REFERENCE" json:"VENDOR_REFERENCE_LIST,omitempty"`
	CVEList                         []Reference    `xml:"CVE_LIST>CVE" json:"CVE_LIST,omitempty"`
	Diagnosis                       string         `xml:"DIAGNOSIS" json:"DIAGNOSIS,omitempty"`
	DiagnosisComment                string         `xml:"DIAGNOSIS_COMMENT" json:"DIAGNOSIS_COMMENT,omitempty"`
	Consequence                     string         `xml:"CONSEQUENCE" json:"CONSEQUENCE,omitempty"`
	ConsequenceComment              string         `xml:"CONSEQUENCE_COMMENT" json:"CONSEQUENCE_COMMENT,omitempty"`
	Solution                        string         `xml:"SOLUTION" json:"SOLUTION,omitempty"`
	SolutionComment                 string         `xml:"SOLUTION_COMMENT" json:"SOLUTION_COMMENT,omitempty"`
	ComplianceList                  []Compliance   `xml:"COMPLIANCE_LIST>COMPLIANCE" json:"COMPLIANCE_LIST,omitempty"`
	Correlation                     *Correlation   `xml:"CORRELATION" json:"CORRELATION,omitempty"`
	CVSS                            *CVSS          `xml:"CVSS" json:"CVSS,omitempty"`
	CVSSV3                          *CVSSV3        `xml:"CVSS_V3" json:"CVSS_V3,omitempty"`
	PCIFlag                         Int            `xml:"PCI_FLAG" json:"PCI_FLAG,omitzero"`
	AutomaticPCIFail                Int            `xml:"AUTOMATIC_PCI_FAIL" json:"AUTOMATIC_PCI_FAIL,omitzero"`
	PCIReasons                      []string       `xml:"PCI_REASONS>PCI_REASON" json:"PCI_REASONS,omitempty"`
	ThreatIntelligence              []ThreatIntel  `xml:"THREAT_INTELLIGENCE>THREAT_INTEL" json:"THREAT_INTELLIGENCE,omitempty"`
	MitreAttackList                 []MitreAttack  `xml:"MITRE_ATTACK_LIST>MITRE_ATTACK" json:"MITRE_ATTACK_LIST,omitempty"`
	SupportedModules                string         `xml:"SUPPORTED_MODULES" json:"SUPPORTED_MODULES,omitempty"`
	Discovery                       *Discovery     `xml:"DISCOVERY" json:"DISCOVERY,omitempty"`
	IsDisabled                      Int            `xml:"IS_DISABLED" json:"IS_DISABLED,omitzero"`
	ChangeLogList                   []ChangeLog    `xml:"CHANGE_LOG_LIST>CHANGE_LOG_INFO" json:"CHANGE_LOG_LIST,omitempty"`
}

// UnmarshalXML decodes a VULN element; QID is read leniently (0 when not an
// integer).
func (v *Vuln) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	type plain Vuln
	var w struct {
		*plain
		QID xmlID `xml:"QID"`
	}
	w.plain = (*plain)(v)
	if err := d.DecodeElement(&w, &start); err != nil {
		return err
	}
	v.QID = int64(w.QID)
	return nil
}

// Customization is a QID's LAST_CUSTOMIZATION.
type Customization struct {
	DateTime  string `xml:"DATETIME" json:"DATETIME,omitempty"`
	UserLogin string `xml:"USER_LOGIN" json:"USER_LOGIN,omitempty"`
}

// Reference is an {ID, URL} entry: BUGTRAQ, VENDOR_REFERENCE or CVE.
type Reference struct {
	ID  string `xml:"ID" json:"ID,omitempty"`
	URL string `xml:"URL" json:"URL,omitempty"`
}

// Software is a SOFTWARE_LIST entry.
type Software struct {
	Product string `xml:"PRODUCT" json:"PRODUCT,omitempty"`
	Vendor  string `xml:"VENDOR" json:"VENDOR,omitempty"`
}

// Compliance is a COMPLIANCE_LIST entry.
type Compliance struct {
	Type        string `xml:"TYPE" json:"TYPE,omitempty"`
	Section     string `xml:"SECTION" json:"SECTION,omitempty"`
	Description string `xml:"DESCRIPTION" json:"DESCRIPTION,omitempty"`
}

// Correlation is a QID's CORRELATION: exploit and malware sources.
type Correlation struct {
	Exploits []ExploitSource `xml:"EXPLOITS>EXPLT_SRC" json:"EXPLOITS,omitempty"`
	Malware  []MalwareSource `xml:"MALWARE>MW_SRC" json:"MALWARE,omitempty"`
}

// ExploitSource is an EXPLT_SRC. Real data has sources without EXPLT_LIST.
type ExploitSource struct {
	SrcName  string    `xml:"SRC_NAME" json:"SRC_NAME,omitempty"`
	Exploits []Exploit `xml:"EXPLT_LIST>EXPLT" json:"EXPLT_LIST,omitempty"`
}

// Exploit is an EXPLT (possibly empty in real data).
type Exploit struct {
	Ref  string `xml:"REF" json:"REF,omitempty"`
	Desc string `xml:"DESC" json:"DESC,omitempty"`
	Link string `xml:"LINK" json:"LINK,omitempty"`
}

// MalwareSource is an MW_SRC.
type MalwareSource struct {
	SrcName string    `xml:"SRC_NAME" json:"SRC_NAME,omitempty"`
	Malware []Malware `xml:"MW_LIST>MW_INFO" json:"MW_LIST,omitempty"`
}

// Malware is an MW_INFO.
type Malware struct {
	ID       string `xml:"MW_ID" json:"MW_ID,omitempty"`
	Type     string `xml:"MW_TYPE" json:"MW_TYPE,omitempty"`
	Platform string `xml:"MW_PLATFORM" json:"MW_PLATFORM,omitempty"`
	Alias    string `xml:"MW_ALIAS" json:"MW_ALIAS,omitempty"`
	Rating   string `xml:"MW_RATING" json:"MW_RATING,omitempty"`
	Link     string `xml:"MW_LINK" json:"MW_LINK,omitempty"`
}

// CVSS is a QID's CVSS (v2) section.
type CVSS struct {
	Base             *CVSSBase   `xml:"BASE" json:"BASE,omitempty"`
	Temporal         Float       `xml:"TEMPORAL" json:"TEMPORAL,omitzero"`
	VectorString     string      `xml:"VECTOR_STRING" json:"VECTOR_STRING,omitempty"`
	Access           *CVSSAccess `xml:"ACCESS" json:"ACCESS,omitempty"`
	Impact           *CVSSImpact `xml:"IMPACT" json:"IMPACT,omitempty"`
	Authentication   Int         `xml:"AUTHENTICATION" json:"AUTHENTICATION,omitzero"`
	Exploitability   Int         `xml:"EXPLOITABILITY" json:"EXPLOITABILITY,omitzero"`
	RemediationLevel Int         `xml:"REMEDIATION_LEVEL" json:"REMEDIATION_LEVEL,omitzero"`
	ReportConfidence Int         `xml:"REPORT_CONFIDENCE" json:"REPORT_CONFIDENCE,omitzero"`
}

// CVSSBase is <BASE source="service">9.3</BASE>.
type CVSSBase struct {
	Value  Float  `xml:",chardata" json:"value,omitzero"`
	Source string `xml:"source,attr" json:"source,omitempty"`
}

// CVSSAccess is CVSS ACCESS (or CVSS_V3 ATTACK): vector and complexity codes.
type CVSSAccess struct {
	Vector     Int `xml:"VECTOR" json:"VECTOR,omitzero"`
	Complexity Int `xml:"COMPLEXITY" json:"COMPLEXITY,omitzero"`
}

// CVSSImpact is a CVSS IMPACT section.
type CVSSImpact struct {
	Confidentiality Int `xml:"CONFIDENTIALITY" json:"CONFIDENTIALITY,omitzero"`
	Integrity       Int `xml:"INTEGRITY" json:"INTEGRITY,omitzero"`
	Availability    Int `xml:"AVAILABILITY" json:"AVAILABILITY,omitzero"`
}

// CVSSV3 is a QID's CVSS_V3 section.
type CVSSV3 struct {
	Base                Float       `xml:"BASE" json:"BASE,omitzero"`
	Temporal            Float       `xml:"TEMPORAL" json:"TEMPORAL,omitzero"`
	VectorString        string      `xml:"VECTOR_STRING" json:"VECTOR_STRING,omitempty"`
	Version             string      `xml:"CVSS3_VERSION" json:"CVSS3_VERSION,omitempty"`
	Attack              *CVSSAccess `xml:"ATTACK" json:"ATTACK,omitempty"`
	Impact              *CVSSImpact `xml:"IMPACT" json:"IMPACT,omitempty"`
	PrivilegesRequired  Int         `xml:"PRIVILEGES_REQUIRED" json:"PRIVILEGES_REQUIRED,omitzero"`
	UserInteraction     Int         `xml:"USER_INTERACTION" json:"USER_INTERACTION,omitzero"`
	Scope               Int         `xml:"SCOPE" json:"SCOPE,omitzero"`
	ExploitCodeMaturity Int         `xml:"EXPLOIT_CODE_MATURITY" json:"EXPLOIT_CODE_MATURITY,omitzero"`
	RemediationLevel    Int         `xml:"REMEDIATION_LEVEL" json:"REMEDIATION_LEVEL,omitzero"`
	ReportConfidence    Int         `xml:"REPORT_CONFIDENCE" json:"REPORT_CONFIDENCE,omitzero"`
}

// ThreatIntel is <THREAT_INTEL id="2">Exploit_Public</THREAT_INTEL>.
type ThreatIntel struct {
	ID    Int    `xml:"id,attr" json:"id,omitzero"`
	Value string `xml:",chardata" json:"value"`
}

// MitreAttack is a MITRE_ATTACK entry: one (tactic, technique) pair of a
// KnowledgeBase VULN or of a DETECTION (mitre_attack_details=1). No public
// sample or DTD shows the element; the names are the simulator's, after the
// ETM VMDR connector's fields (see internal/qualyssim/doc.go).
type MitreAttack struct {
	TacticID      string `xml:"MITRE_TACTIC_ID" json:"MITRE_TACTIC_ID,omitempty"`
	TacticName    string `xml:"MITRE_TACTIC_NAME" json:"MITRE_TACTIC_NAME,omitempty"`
	TechniqueID   string `xml:"MITRE_TECHNIQUE_ID" json:"MITRE_TECHNIQUE_ID,omitempty"`
	TechniqueName string `xml:"MITRE_TECHNIQUE_NAME" json:"MITRE_TECHNIQUE_NAME,omitempty"`
}

// Discovery is a QID's DISCOVERY: whether it is found remotely and the
// authentication types of its authenticated checks.
type Discovery struct {
	Remote         Int      `xml:"REMOTE" json:"REMOTE,omitzero"`
	AuthTypeList   []string `xml:"AUTH_TYPE_LIST>AUTH_TYPE" json:"AUTH_TYPE_LIST,omitempty"`
	AdditionalInfo string   `xml:"ADDITIONAL_INFO" json:"ADDITIONAL_INFO,omitempty"`
}

// ChangeLog is a CHANGE_LOG_INFO entry (show_qid_change_log=1).
type ChangeLog struct {
	ChangeDate string `xml:"CHANGE_DATE" json:"CHANGE_DATE,omitempty"`
	Comments   string `xml:"COMMENTS" json:"COMMENTS,omitempty"`
}
