package store

// StatisticsByScan exposes the statistics counted from the case rows, for
// the tests and the benchmark that hold case_counts to it.
var StatisticsByScan = (*Store).statisticsByScan
