// SVG bar charts for BENCHMARKS.md, generated from the bench commands' JSON.

export interface Bar {
  label: string;
  value: number;
  /** a second value drawn as a thinner bar on top (e.g. p99 over p50) */
  value2?: number;
  note?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart on a log10 scale (values spanning decades, like CPU%). */
export function barChartSvg(title: string, unit: string, bars: Bar[], opts: { log?: boolean; legend?: [string, string] } = {}): string {
  const log = opts.log ?? true;
  const left = 16 + 7 * Math.max(...bars.map((b) => b.label.length));
  const right = 16 + 7 * Math.max(...bars.map((b) => (b.note ?? '').length), 8);
  const plotW = 420;
  const width = left + plotW + right;
  const rowH = 26;
  const top = 46;
  const height = top + bars.length * rowH + 40;
  const vals = bars.flatMap((b) => [b.value, b.value2 ?? b.value]).filter((v) => v > 0 && Number.isFinite(v));
  const maxV = Math.max(...vals);
  const minV = Math.min(...vals);
  const lo = log ? Math.pow(10, Math.floor(Math.log10(minV))) : 0;
  const hi = log ? Math.pow(10, Math.ceil(Math.log10(maxV))) : maxV * 1.1;
  const x = (v: number) => {
    if (!(v > 0)) return 0;
    return log ? ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW : (v / hi) * plotW;
  };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  // grid
  const ticks: number[] = [];
  if (log) for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  else for (let i = 0; i <= 5; i++) ticks.push((hi * i) / 5);
  for (const t of ticks) {
    const gx = left + x(t);
    parts.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + bars.length * rowH}" stroke="#ddd"/>`);
    parts.push(`<text x="${gx}" y="${top + bars.length * rowH + 16}" text-anchor="middle" fill="#555">${esc(fmt(t))}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${top + bars.length * rowH + 32}" text-anchor="middle" fill="#333">${esc(unit)}${log ? ' (log scale)' : ''}</text>`);
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(b.value))}" height="16" fill="#4a7fc1"/>`);
    if (b.value2 !== undefined) parts.push(`<rect x="${left}" y="${y + 9}" width="${Math.max(1, x(b.value2))}" height="6" fill="#d9822b" opacity="0.9"/>`);
    const end = Math.max(x(b.value), b.value2 !== undefined ? x(b.value2) : 0);
    parts.push(`<text x="${left + end + 6}" y="${y + 16}" fill="#222">${esc(b.note ?? fmt(b.value))}</text>`);
  });
  if (opts.legend) {
    parts.push(`<rect x="${left}" y="28" width="12" height="10" fill="#4a7fc1"/><text x="${left + 16}" y="37">${esc(opts.legend[0])}</text>`);
    parts.push(`<rect x="${left + 120}" y="30" width="12" height="6" fill="#d9822b"/><text x="${left + 136}" y="37">${esc(opts.legend[1])}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function fmt(v: number): string {
  if (v === 0) return '0';
  if (v >= 100) return v.toFixed(0);
  if (v >= 1) return v.toFixed(1).replace(/\.0$/, '');
  return v.toPrecision(1);
}
