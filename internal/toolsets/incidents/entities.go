package incidents

import (
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
)

// entityFields names, per entity kind, the property that identifies the entity and the ones worth a
// glance during triage, in order. Kinds not listed show their friendlyName.
var entityFields = map[string]struct {
	main    []string // first non-empty wins
	details []string // "name=value" for each non-empty one
}{
	"Account":          {[]string{"userPrincipalName", "upn", "accountName", "displayName"}, []string{"upnSuffix", "ntDomain", "aadUserId", "sid", "isDomainJoined"}},
	"Host":             {[]string{"hostName", "netBiosName", "fqdn"}, []string{"dnsDomain", "osFamily", "osVersion", "azureID", "omsAgentID"}},
	"Ip":               {[]string{"address"}, []string{"location.countryName", "location.city", "location.asn", "location.carrier"}},
	"File":             {[]string{"fileName"}, []string{"directory", "sizeInBytes"}},
	"FileHash":         {[]string{"hashValue"}, []string{"algorithm"}},
	"Process":          {[]string{"commandLine", "processId"}, []string{"processId", "creationTimeUtc", "elevationToken"}},
	"Url":              {[]string{"url"}, nil},
	"DnsResolution":    {[]string{"domainName"}, []string{"dnsServerIp"}},
	"Mailbox":          {[]string{"mailboxPrimaryAddress", "upn"}, []string{"displayName", "externalDirectoryObjectId"}},
	"MailMessage":      {[]string{"subject", "networkMessageId"}, []string{"sender", "recipient", "senderIP", "deliveryAction", "deliveryLocation", "receiveDate"}},
	"MailCluster":      {[]string{"clusterSourceIdentifier", "query"}, []string{"mailCount", "source"}},
	"CloudApplication": {[]string{"appName", "appId"}, []string{"appId", "instanceName"}},
	"AzureResource":    {[]string{"resourceId"}, []string{"subscriptionId"}},
	"RegistryKey":      {[]string{"key"}, []string{"hive"}},
	"RegistryValue":    {[]string{"valueName"}, []string{"valueData", "valueType"}},
	"SecurityGroup":    {[]string{"distinguishedName", "objectGuid", "sid"}, []string{"objectGuid"}},
	"IoTDevice":        {[]string{"deviceName", "deviceId"}, []string{"deviceType", "vendor", "model", "firmwareVersion"}},
	"Malware":          {[]string{"malwareName"}, []string{"category"}},
	"SubmissionMail":   {[]string{"subject", "networkMessageId"}, []string{"sender", "recipient", "submitter"}},
	"Nic":              {[]string{"macAddress"}, []string{"ipAddress"}},
}

// maxEntityField bounds one entity value (a command line can be kilobytes).
const maxEntityField = 300

// entitySummary is an entity as one compact row: what it is and a few details. Every value is
// cleaned: entity fields come straight from attacker-controlled data.
func entitySummary(e *sentinel.Entity) (main, details string) {
	spec, ok := entityFields[e.Kind]
	clean := func(s string) string { return cut(textsafe.Line(s), maxEntityField) }
	if ok {
		for _, f := range spec.main {
			if v := e.Field(f); v != "" {
				main = clean(v)
				break
			}
		}
		var parts []string
		for _, f := range spec.details {
			v := e.Field(f)
			if v == "" || clean(v) == main {
				continue
			}
			name := f[strings.LastIndex(f, ".")+1:]
			parts = append(parts, name+"="+clean(v))
		}
		details = strings.Join(parts, ", ")
	}
	if main == "" {
		main = clean(e.Field("friendlyName"))
	}
	if main == "" {
		main = e.Name
	}
	return main, details
}
