package config

// Azure is the Azure/tenancy part of the configuration: cloud, credentials, tenants, allow-list,
// api-versions, discovery and fan-out. It is owned by the tenancy engineer (internal/tenancy,
// internal/azure), who fills it in; this placeholder only lets Config reference it.
//
// Fields follow the tag vocabulary documented on Field (config, env, flag, default, help, secret, cmd).
type Azure struct{}
