import {
  Counter,
  Histogram,
  type MetricType,
  type MetricObjectWithValues,
  type MetricValue,
  type MetricValueWithName,
  type Registry,
} from 'prom-client';

/** prom-client's default buckets (seconds), as `http_request_duration_seconds` always had. */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Labels {
  method: string;
  route: string;
  status_code: string;
}

interface Series {
  labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket, not cumulative; the last one is above every bound (+Inf only). */
  perBucket: Float64Array;
}

const COUNTER = 'http_requests_total';
const COUNTER_HELP = 'HTTP requests answered, by route pattern';
const HISTOGRAM = 'http_request_duration_seconds';
const HISTOGRAM_HELP = 'Time to answer an HTTP request, by route pattern';
// prom-client declares MetricType in its types only; at run time the values are these strings.
const COUNTER_TYPE = 'counter' as unknown as MetricType;
const HISTOGRAM_TYPE = 'histogram' as unknown as MetricType;

/**
 * The request counter and duration histogram, counted on the hot path with one Map lookup
 * and a few additions, and turned into prom-client's samples only when scraped.
 *
 * prom-client's own `inc(labels)` and `observe(labels, v)` hash the label object on every
 * call: about a tenth of what a cached lookup costs (docs/benchmarks.md). The output is the
 * same text as before: `http_requests_total` and `http_request_duration_seconds` with
 * labels method, route and status_code, the histogram's buckets cumulative, `le` first.
 */
export class RequestMetrics {
  /** Every series, for the scrape. */
  private readonly series = new Set<Series>();
  /** The same, by route pattern, method and status: no key is built on the hot path. */
  private readonly byRoute = new Map<string, Map<string, Map<number, Series>>>();

  constructor(registry: Registry) {
    const series = this.series;
    const clear = () => {
      this.series.clear();
      this.byRoute.clear();
    };
    const collect = () => undefined;
    class RequestCounter extends Counter<keyof Labels> {
      override get(): Promise<MetricObjectWithValues<MetricValue<keyof Labels>>> {
        return Promise.resolve({
          name: COUNTER,
          help: COUNTER_HELP,
          type: COUNTER_TYPE,
          aggregator: 'sum',
          collect,
          values: [...series.values()].map((s) => ({ value: s.count, labels: { ...s.labels } })),
        });
      }
      override reset(): void {
        clear();
      }
    }
    class RequestDuration extends Histogram<keyof Labels | 'le'> {
      override get(): Promise<MetricObjectWithValues<MetricValueWithName<keyof Labels | 'le'>>> {
        return Promise.resolve({
          name: HISTOGRAM,
          help: HISTOGRAM_HELP,
          type: HISTOGRAM_TYPE,
          aggregator: 'sum',
          collect,
          values: [...series.values()].flatMap((s) => histogramSamples(s)),
        });
      }
      /** What the registry asks for the text format (prom-client's own, not in its types). */
      getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<keyof Labels | 'le'>>> {
        return this.get();
      }
      override reset(): void {
        clear();
      }
    }
    const labelNames = ['method', 'route', 'status_code'] as const;
    new RequestCounter({ name: COUNTER, help: COUNTER_HELP, labelNames, registers: [registry] });
    new RequestDuration({
      name: HISTOGRAM,
      help: HISTOGRAM_HELP,
      labelNames,
      buckets: [...DURATION_BUCKETS],
      registers: [registry],
    });
  }

  /** One request answered: its method, route pattern, status and time in seconds. */
  observe(method: string, route: string, statusCode: number, seconds: number): void {
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map<string, Map<number, Series>>()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map<number, Series>()));
    let s = byStatus.get(statusCode);
    if (s === undefined) {
      s = {
        labels: { method, route, status_code: String(statusCode) },
        count: 0,
        sum: 0,
        perBucket: new Float64Array(DURATION_BUCKETS.length + 1),
      };
      byStatus.set(statusCode, s);
      this.series.add(s);
    }
    s.count += 1;
    s.sum += seconds;
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[i] as number)) i++;
    s.perBucket[i] = (s.perBucket[i] as number) + 1;
  }
}

function histogramSamples(s: Series): MetricValueWithName<keyof Labels | 'le'>[] {
  const name = HISTOGRAM;
  const samples: MetricValueWithName<keyof Labels | 'le'>[] = [];
  let cumulative = 0;
  DURATION_BUCKETS.forEach((le, i) => {
    cumulative += s.perBucket[i] as number;
    samples.push({ value: cumulative, labels: { le, ...s.labels }, metricName: `${name}_bucket` });
  });
  samples.push({ value: s.count, labels: { le: '+Inf', ...s.labels }, metricName: `${name}_bucket` });
  samples.push({ value: s.sum, labels: { ...s.labels }, metricName: `${name}_sum` });
  samples.push({ value: s.count, labels: { ...s.labels }, metricName: `${name}_count` });
  return samples;
}
