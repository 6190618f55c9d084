package store

// StatisticsByScan exposes the statistics counted from the case rows, for
// the tests and the benchmark that hold case_counts to it.
var StatisticsByScan = (*Store).statisticsByScan

// JsonbText exposes the printing of details as jsonb prints them, for the
// test that holds it to PostgreSQL's own.
var JsonbText = jsonbText
