package model

import (
	"slices"
	"strings"
)

// Type is the data type of a transform-map row and of a target field.
type Type string

// The data types a transform map may declare.
const (
	TypeString   Type = "string"
	TypeInteger  Type = "integer"
	TypeFloat    Type = "float"
	TypeBoolean  Type = "boolean"
	TypeDatetime Type = "datetime"
	TypeIP       Type = "ip"
	TypeMAC      Type = "mac"
	TypeList     Type = "list"
)

// Types lists every valid Type, in documentation order.
var Types = []Type{TypeString, TypeInteger, TypeFloat, TypeBoolean, TypeDatetime, TypeIP, TypeMAC, TypeList}

// ValidType reports whether t is one of Types.
func ValidType(t Type) bool { return slices.Contains(Types, t) }

// Field describes one target field of the normalized model.
type Field struct {
	Entity Entity
	Name   string // snake_case, unique within the entity
	Type   Type
	Label  string // the label vendor documents use ("BIOS Serial Number")
}

// Target returns the field's full name, "entity.name".
func (f Field) Target() string { return string(f.Entity) + "." + f.Name }

// Catalog is the set of target fields a transform map may write. It is a value
// (built by NewCatalog), not package state.
type Catalog struct {
	byTarget map[string]Field
	ordered  []Field
}

// Lookup returns the field for a target "entity.name".
func (c *Catalog) Lookup(target string) (Field, bool) {
	f, ok := c.byTarget[target]
	return f, ok
}

// Fields returns every field, in catalog order.
func (c *Catalog) Fields() []Field { return slices.Clone(c.ordered) }

// EntityOf returns the entity part of a target name.
func EntityOf(target string) Entity {
	e, _, _ := strings.Cut(target, ".")
	return Entity(e)
}

// NewCatalog returns the catalog of target fields: every attribute of the
// CSAM and VMDR vendor mapping tables, the VMDR detection (finding) and
// KnowledgeBase (vuln) attributes, plus the identity attributes qflow's
// identification rules use. Where the VMDR table names a target, a finding
// field's Label is that name ("findingName").
func NewCatalog() *Catalog {
	c := &Catalog{byTarget: map[string]Field{}}
	add := func(e Entity, rows ...[3]string) {
		for _, r := range rows {
			f := Field{Entity: e, Name: r[0], Type: Type(r[1]), Label: r[2]}
			c.byTarget[f.Target()] = f
			c.ordered = append(c.ordered, f)
		}
	}
	s, i, fl, b, d, ip, mac, l := string(TypeString), string(TypeInteger), string(TypeFloat), string(TypeBoolean),
		string(TypeDatetime), string(TypeIP), string(TypeMAC), string(TypeList)
	add(EntityHost,
		// identity
		[3]string{"asset_id", i, "Asset Id"},
		[3]string{"asset_uuid", s, "Asset UUID"},
		[3]string{"host_id", i, "Host Id"},
		[3]string{"agent_id", s, "Agent Id"},
		[3]string{"name", s, "Asset Name"},
		[3]string{"asset_type", s, "Asset Type"},
		[3]string{"ip_address", ip, "IP Address"},
		[3]string{"ipv6_address", ip, "IPv6 Address"},
		[3]string{"dns_name", s, "DNS Name"},
		[3]string{"fqdn", s, "FQDN"},
		[3]string{"netbios_name", s, "NetBIOS Name"},
		[3]string{"domain", s, "Domain"},
		[3]string{"hw_uuid", s, "Hardware UUID"},
		[3]string{"bios_serial_number", s, "BIOS Serial Number"},
		[3]string{"bios_asset_tag", s, "BIOS Asset"},
		[3]string{"bios_description", s, "Bios Description"},
		[3]string{"bios_time_zone", s, "BIOS TimeZone"},
		[3]string{"cloud_provider", s, "Cloud Provider"},
		[3]string{"cloud_instance_id", s, "Cloud Instance Id"},
		[3]string{"tracking_method", s, "Tracking Method"},
		// facts
		[3]string{"last_logged_on_user", s, "Last Logged On User"},
		[3]string{"last_boot", d, "Last BIOS Boot"},
		[3]string{"total_memory", i, "Total Memory"},
		[3]string{"cpu_count", i, "CPU Count"},
		[3]string{"is_container", b, "Is Container"},
		[3]string{"domain_role", s, "Domain Role"},
		[3]string{"os_name", s, "Operating System Name"},
		[3]string{"os_version", s, "Operating System Version"},
		[3]string{"os_architecture", s, "Operating System Architecture"},
		[3]string{"os_publisher", s, "Operating System Publisher"},
		[3]string{"os_category1", s, "Operating System Category 1"},
		[3]string{"os_category2", s, "Operating System Category 2"},
		[3]string{"os_cpe", s, "Operating System CPE"},
		[3]string{"os_eol_date", d, "Operating System End of Life"},
		[3]string{"os_eos_date", d, "Operating System End of Support"},
		[3]string{"os_lifecycle_stage", s, "Operating System Lifecycle Stage"},
		[3]string{"hardware_manufacturer", s, "Hardware Manufacturer"},
		[3]string{"hardware_model", s, "Hardware Model"},
		[3]string{"hardware_category1", s, "Hardware Category 1"},
		[3]string{"hardware_category2", s, "Hardware Category 2"},
		[3]string{"criticality_score", i, "Asset Criticality Score"},
		[3]string{"criticality_is_default", b, "Asset Criticality Is Default"},
		[3]string{"risk_score", i, "Risk Score"},
		[3]string{"first_seen", d, "First Seen"},
		[3]string{"last_updated", d, "Source Last Modified"},
		[3]string{"sensor_last_updated", d, "Sensor Last Updated"},
		[3]string{"last_scanned", d, "Last Scanned"},
		[3]string{"inventory_source", s, "Inventory Source"},
		[3]string{"business_operation_status", s, "Business Operation Status"},
		[3]string{"business_environment", s, "Business Information Environment"},
		[3]string{"business_company", s, "Business Information Company"},
		[3]string{"business_department", s, "Business Information Department"},
		[3]string{"business_owned_by", s, "Business Information Owned By"},
		[3]string{"business_managed_by", s, "Business Information Managed By"},
		[3]string{"business_supported_by", s, "Business Information Supported By"},
		[3]string{"business_support_group", s, "Business Information Supported Group"},
		[3]string{"location_name", s, "Assigned Location Name"},
		[3]string{"location_city", s, "Assigned Location City"},
		[3]string{"location_state", s, "Assigned Location State"},
		[3]string{"location_country", s, "Assigned Location Country"},
		[3]string{"mac_addresses", l, "MAC Addresses"},
		[3]string{"ip_addresses", l, "IP Addresses"},
		[3]string{"tag_names", l, "Tags"},
		// VMDR host facts
		[3]string{"last_vm_scanned", d, "Last VM Scanned"},
		[3]string{"last_vm_auth_scanned", d, "Last VM Authenticated Scan"},
		[3]string{"network_id", s, "Network Id"},
		[3]string{"cloud_service", s, "Cloud Service"},
		[3]string{"qg_host_id", s, "Qualys Host Id"},
	)
	// A VMDR detection (one per VULNERABILITIES[] element) with the
	// KnowledgeBase values joined to it.
	add(EntityFinding,
		[3]string{"unique_vuln_id", i, "externalFindingId"},
		[3]string{"qid", i, "sourceVulnerabilityId"},
		[3]string{"type", s, "findingSubType"},
		[3]string{"severity", i, "findingSeverity"},
		[3]string{"port", i, "findingPort"},
		[3]string{"protocol", s, "findingProtocol"},
		[3]string{"fqdn", s, "Finding FQDN"},
		[3]string{"ssl", b, "Finding SSL"},
		[3]string{"instance", s, "Finding Instance"},
		[3]string{"results", s, "Finding Results"},
		[3]string{"status", s, "findingStatus"},
		[3]string{"first_found", d, "findingFirstFoundOn"},
		[3]string{"last_found", d, "findingLastFoundOn"},
		[3]string{"qds", i, "detectionScore"},
		[3]string{"qds_severity", s, "Detection Score Severity"},
		[3]string{"qds_factor_names", l, "Detection Score Factor Names"},
		[3]string{"qds_factor_values", l, "Detection Score Factor Values"},
		[3]string{"times_found", i, "Times Found"},
		[3]string{"last_test", d, "Last Tested"},
		[3]string{"last_update", d, "Last Updated"},
		[3]string{"last_fixed", d, "Last Fixed"},
		[3]string{"first_reopened", d, "findingReopenedOn"},
		[3]string{"last_reopened", d, "Last Reopened"},
		[3]string{"times_reopened", i, "Times Reopened"},
		[3]string{"service", s, "Finding Service"},
		[3]string{"is_ignored", b, "ignoreFinding"},
		[3]string{"is_disabled", b, "Finding Is Disabled"},
		[3]string{"affect_running_kernel", b, "Affects Running Kernel"},
		[3]string{"affect_running_service", b, "Affects Running Service"},
		[3]string{"affect_exploitable_config", b, "Affects Exploitable Configuration"},
		[3]string{"last_processed", d, "Last Processed"},
		[3]string{"asset_cve", s, "Asset CVE"},
		// joined from the KnowledgeBase
		[3]string{"name", s, "findingName"},
		[3]string{"description", s, "findingDescription"},
		[3]string{"impact", s, "impact"},
		[3]string{"recommendation", s, "recommendation"},
		[3]string{"cvss2_base", fl, "cvssV2Base"},
		[3]string{"cvss2_temporal", fl, "cvss2Temporal"},
		[3]string{"cvss3_base", fl, "cvss3Base"},
		[3]string{"cvss3_temporal", fl, "cvss3Temporal"},
		[3]string{"vector", s, "vector"},
		[3]string{"patch_available", b, "isPatchAvailable"},
		[3]string{"cve_ids", l, "cveId"},
		[3]string{"exploited_by_list", l, "exploitedByList"},
		[3]string{"malware_list", l, "Malware List"},
		[3]string{"threat_intel", l, "Threat Intelligence"},
		[3]string{"vuln_type", s, "Vulnerability Type"},
		[3]string{"category", s, "Vulnerability Category"},
		[3]string{"published", d, "Vulnerability Published"},
		// the VMDR table labels the MITRE rows "id" and "name"
		[3]string{"mitre_tactic_ids", l, "id"},
		[3]string{"mitre_tactic_names", l, "name"},
		[3]string{"mitre_technique_ids", l, "id"},
		[3]string{"mitre_technique_names", l, "name"},
	)
	// A KnowledgeBase vulnerability (the record of source KB).
	add(EntityVuln,
		[3]string{"qid", i, "QID"},
		[3]string{"vuln_type", s, "Vulnerability Type"},
		[3]string{"severity", i, "Severity Level"},
		[3]string{"title", s, "Title"},
		[3]string{"category", s, "Category"},
		[3]string{"published", d, "Published"},
		[3]string{"last_modified", d, "Last Service Modification"},
		[3]string{"patchable", b, "Patchable"},
		[3]string{"diagnosis", s, "Diagnosis"},
		[3]string{"consequence", s, "Consequence"},
		[3]string{"solution", s, "Solution"},
		[3]string{"cve_ids", l, "CVE Ids"},
		[3]string{"bugtraq_ids", l, "Bugtraq Ids"},
		[3]string{"vendor_references", l, "Vendor References"},
		[3]string{"software_products", l, "Software Products"},
		[3]string{"software_vendors", l, "Software Vendors"},
		[3]string{"cvss2_base", fl, "CVSS v2 Base"},
		[3]string{"cvss2_temporal", fl, "CVSS v2 Temporal"},
		[3]string{"cvss2_vector", s, "CVSS v2 Vector"},
		[3]string{"cvss3_base", fl, "CVSS v3 Base"},
		[3]string{"cvss3_temporal", fl, "CVSS v3 Temporal"},
		[3]string{"cvss3_vector", s, "CVSS v3 Vector"},
		[3]string{"cvss3_version", s, "CVSS v3 Version"},
		[3]string{"exploit_sources", l, "Exploit Sources"},
		[3]string{"exploit_refs", l, "Exploit References"},
		[3]string{"malware_sources", l, "Malware Sources"},
		[3]string{"malware_ids", l, "Malware Ids"},
		[3]string{"threat_intel", l, "Threat Intelligence"},
		[3]string{"threat_intel_ids", l, "Threat Intelligence Ids"},
		[3]string{"mitre_tactic_ids", l, "MITRE Tactic Ids"},
		[3]string{"mitre_tactic_names", l, "MITRE Tactic Names"},
		[3]string{"mitre_technique_ids", l, "MITRE Technique Ids"},
		[3]string{"mitre_technique_names", l, "MITRE Technique Names"},
		[3]string{"pci_flag", b, "PCI Flag"},
		[3]string{"compliance_types", l, "Compliance Types"},
		[3]string{"remote", b, "Remote Discovery"},
		[3]string{"auth_types", l, "Authentication Types"},
		[3]string{"supported_modules", s, "Supported Modules"},
		[3]string{"is_disabled", b, "Is Disabled"},
	)
	add(EntitySoftware,
		[3]string{"name", s, "Software Name"},
		[3]string{"version", s, "Software Version"},
		[3]string{"publisher", s, "Software Publisher"},
		[3]string{"language", s, "Software Language"},
		[3]string{"type", s, "Software Type"},
		[3]string{"product_name", s, "Software Product Name"},
		[3]string{"edition", s, "Software Edition"},
		[3]string{"market_version", s, "Software Market Version"},
		[3]string{"architecture", s, "Software Architecture"},
		[3]string{"category1", s, "Software Category 1"},
		[3]string{"category2", s, "Software Category 2"},
		[3]string{"component", s, "Software Component"},
		[3]string{"ga_date", d, "Software GA Date"},
		[3]string{"eol_date", d, "Software End of Life"},
		[3]string{"eos_date", d, "Software End of Support"},
		[3]string{"lifecycle_stage", s, "Software Lifecycle Stage"},
		[3]string{"license_category", s, "Software License Category"},
	)
	add(EntityInstalledSoftware,
		[3]string{"qualys_id", i, "Software Id"},
		[3]string{"install_path", s, "Software Install Path"},
		[3]string{"install_date", d, "Software Install Date"},
		[3]string{"last_updated", d, "Software Last Updated Date"},
		[3]string{"last_use_date", d, "Software Last Used Date"},
		[3]string{"is_ignored", b, "Software Is Ignored"},
	)
	add(EntityOpenPort,
		[3]string{"number", i, "Open Port Number"},
		[3]string{"description", s, "Open Port Description"},
		[3]string{"protocol", s, "Open Port Protocol"},
		[3]string{"detected_service", s, "Open Port Detected Service"},
		[3]string{"first_found", d, "Open Port First Found Date"},
		[3]string{"last_updated", d, "Open Port Last Updated Date"},
		[3]string{"authorization", s, "Open Port Authorization"},
	)
	add(EntityNetworkInterface,
		[3]string{"name", s, "Network Interface Name"},
		[3]string{"hostname", s, "Network Interface Host Name"},
		[3]string{"ipv4", ip, "Network Interface IPv4 Address"},
		[3]string{"ipv6", ip, "Network Interface IPv6 Address"},
		[3]string{"addresses", s, "Network Interface Addresses"},
		[3]string{"mac_address", mac, "Network Interface MAC Address"},
		[3]string{"gateway_address", s, "Network Interface Gateway Address"},
		[3]string{"netmask", s, "Network Interface Netmask"},
		[3]string{"manufacturer", s, "Network Interface Manufacturer"},
	)
	add(EntityVolume,
		[3]string{"name", s, "Volume Name"},
		[3]string{"size", i, "Volume Size"},
		[3]string{"free", i, "Volume Free"},
	)
	add(EntityService,
		[3]string{"name", s, "Service Name"},
		[3]string{"status", s, "Service Status"},
		[3]string{"description", s, "Service Description"},
	)
	add(EntityTag,
		[3]string{"tag_id", i, "Tag Id"},
		[3]string{"name", s, "Tag Name"},
		[3]string{"criticality_score", i, "Tag Criticality Score"},
		[3]string{"business_impact", s, "Tag Business Impact"},
	)
	add(EntityBusinessApp,
		[3]string{"id", s, "Business App Id"},
		[3]string{"name", s, "Business App Name"},
		[3]string{"environment", s, "Business App Environment"},
		[3]string{"managed_by", s, "Business App Managed By"},
		[3]string{"owned_by", s, "Business App Owned By"},
		[3]string{"supported_by", s, "Business App Supported By"},
		[3]string{"support_group", s, "Business App Supported Group"},
		[3]string{"criticality", s, "Business App Criticality"},
	)
	add(EntityCustomAttribute,
		[3]string{"key", s, "Custom Attributes Key"},
		[3]string{"value", s, "Custom Attributes Value"},
	)
	return c
}
