import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineLimits } from './machine.js';
import type { Profile } from './options.js';
import type { Side } from './servers.js';
import { median, MiB } from './stats.js';
import type { PipelineFigure } from './workloads/pipeline.js';
import type { Measurement } from './workloads/workload.js';

export interface SideFigure {
  /** Median of the samples, or their max for peaks. */
  value: number;
  samples: number[];
}

export interface Figure extends Omit<Measurement, 'value'> {
  reference: SideFigure;
  wharf: SideFigure;
  /** wharf / reference. */
  ratio: number;
}

/** One server's run of one workload, with what else the machine was doing meanwhile. */
export interface Session {
  workload: string;
  repetition: number;
  side: Side;
  seconds: number;
  /** Processes in the server's tree at the end. */
  processes: number;
  foreignCores: number;
  stealCores: number;
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  profile: Profile;
  selfCheck: boolean;
  servers: Record<Side, string>;
  machine: MachineLimits;
  figures: Figure[];
  /** Wharf only: the notification pipeline (the reference has none); empty when not run. */
  pipeline: PipelineFigure[];
  /** Wharf only: the dashboard's search page with a large index; empty when not run. */
  dashboard: PipelineFigure[];
  /** The pull-through cache, both sides' proxies and the direct pull as figures of one table; empty when not run. */
  mirror: PipelineFigure[];
  sessions: Session[];
  notes: string[];
}

/** Collects per-session measurements for both sides, keeping the order in which figures first appear. */
export class Results {
  private readonly figures = new Map<string, { meta: Omit<Measurement, 'value'>; samples: Record<Side, number[]> }>();

  add(side: Side, measurement: Measurement): void {
    const { value, ...meta } = measurement;
    let entry = this.figures.get(meta.key);
    if (entry === undefined) {
      entry = { meta, samples: { reference: [], wharf: [] } };
      this.figures.set(meta.key, entry);
    }
    entry.samples[side].push(value);
  }

  figure(key: string): Figure | undefined {
    const entry = this.figures.get(key);
    return entry === undefined ? undefined : toFigure(entry.meta, entry.samples);
  }

  /** Throughput and latency figures first, then the memory peaks, each group in order of appearance. */
  all(): Figure[] {
    const figures = [...this.figures.values()].map(({ meta, samples }) => toFigure(meta, samples));
    return [...figures.filter((f) => f.aggregate !== 'max'), ...figures.filter((f) => f.aggregate === 'max')];
  }
}

function toFigure(meta: Omit<Measurement, 'value'>, samples: Record<Side, number[]>): Figure {
  const summarise = (values: number[]): SideFigure => ({
    value: values.length === 0 ? NaN : meta.aggregate === 'max' ? Math.max(...values) : median(values),
    samples: values,
  });
  const reference = summarise(samples.reference);
  const wharf = summarise(samples.wharf);
  return { ...meta, reference, wharf, ratio: wharf.value / reference.value };
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function renderMarkdown(report: Report): string {
  const p = report.profile;
  const m = report.machine;
  const lines = [
    `# Wharf vs reference (${p.name} run, ${report.startedAt})`,
    '',
    `reference: ${report.servers.reference}  `,
    `wharf: ${report.servers.wharf}${report.selfCheck ? ' — SELF-CHECK: the reference stands in for Wharf' : ''}  `,
    `${p.repetitions} repetition(s) per workload, order alternating; median of repetitions (peaks: max). ` +
      `↑ higher is better, ↓ lower is better.`,
    '',
    ...(report.figures.length === 0
      ? []
      : [
          '| figure | reference | wharf | wharf/reference |',
          '|---|---:|---:|---:|',
          ...report.figures.map(
            (f) =>
              `| ${f.label} (${f.unit} ${f.better === 'higher' ? '↑' : '↓'}) | ${formatNumber(f.reference.value)} | ` +
              `${formatNumber(f.wharf.value)} | ${Number.isFinite(f.ratio) ? `${f.ratio.toFixed(2)}×` : '–'} |`,
          ),
          '',
        ]),
    ...renderPipeline(report.pipeline),
    ...renderWharfOnly('Dashboard (Wharf only: Chromium → dashboard → API → Elasticsearch)', report.dashboard),
    ...renderWharfOnly('Pull-through cache (registry:2 proxy on both sides, a docker-registry upstream)', report.mirror, 'median'),
    `Machine: ${m.cores} × ${m.cpuModel}, Node ${m.node}, Linux ${m.kernel}. ` +
      `sha256 (Node crypto, ${m.probeBytes / MiB} MiB): ${formatNumber(m.sha256MiBps)} MiB/s; ` +
      `sequential write + fdatasync (${m.probeBytes / MiB} MiB): ${formatNumber(m.diskWriteFdatasyncMiBps)} MiB/s.`,
    ...report.notes.map((note) => `\n${note}`),
    '',
  ];
  return lines.join('\n');
}

function renderPipeline(figures: readonly PipelineFigure[]): string[] {
  return renderWharfOnly('Notification pipeline (Wharf only: registry → spool → BullMQ/Redis → indexer → Elasticsearch)', figures);
}

function renderWharfOnly(title: string, figures: readonly PipelineFigure[], valueColumn = 'wharf'): string[] {
  if (figures.length === 0) return [];
  const arrow = (f: PipelineFigure): string => (f.better === 'higher' ? ' ↑' : f.better === 'lower' ? ' ↓' : '');
  const target = (f: PipelineFigure): string =>
    f.target === undefined ? '' : `${f.target.op} ${formatNumber(f.target.value)}: ${f.met === true ? 'met' : '**MISSED**'}`;
  return [
    `## ${title}`,
    '',
    `| figure | ${valueColumn} | samples | target |`,
    '|---|---:|---|---|',
    ...figures.map(
      (f) => `| ${f.label} (${f.unit}${arrow(f)}) | ${formatNumber(f.value)} | ${f.samples.map(formatNumber).join(', ')} | ${target(f)} |`,
    ),
    '',
  ];
}

export function writeReport(report: Report, dir: string): { markdown: string; paths: string[] } {
  mkdirSync(dir, { recursive: true });
  const markdown = renderMarkdown(report);
  const md = join(dir, 'latest.md');
  const json = join(dir, 'latest.json');
  writeFileSync(md, markdown);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return { markdown, paths: [md, json] };
}
