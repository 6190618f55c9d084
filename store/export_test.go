package store

// StatisticsByScan exposes the statistics counted from the case rows, for
// the tests and the benchmark that hold case_counts to it.
var StatisticsByScan = (*Store).statisticsByScan

// InspectedEnterprisesByScan exposes the distinct enterprises counted from
// the inspection cases, for the tests and the benchmark that hold
// inspected_enterprise_years to it.
var InspectedEnterprisesByScan = (*Store).inspectedEnterprisesByScan

// JsonbText exposes the printing of details as jsonb prints them, for the
// test that holds it to PostgreSQL's own.
var JsonbText = jsonbText
