// openQA-compatible needles: a reference PNG plus a JSON of areas and tags; loading, checking,
// creating and saving them (matching a screen against them: needle-match.ts).
//
// The JSON is os-autoinst's: { "tags": [...], "area": [{ "xpos", "ypos", "width", "height", "type":
// "match" | "exclude" | "ocr", "match": percent, "margin": pixels }], "properties": [...] }, and the PNG is
// the JSON's name with .png, in the same directory.
import fs from 'node:fs';
import path from 'node:path';
import { copyImage, encodePng, readPng, type Rect, type RgbaImage } from './image.js';

export const DEFAULT_MATCH_LEVEL = 96;
export const DEFAULT_MARGIN = 50;

export type AreaType = 'match' | 'exclude' | 'ocr';

/** One `area` entry of a needle JSON. */
export interface NeedleArea {
  xpos: number;
  ypos: number;
  width: number;
  height: number;
  type: AreaType;
  /** Required similarity in percent (default 96). */
  match?: number;
  /** How far (pixels, each direction) the area may have moved on the screen (default 50). */
  margin?: number;
}

/** A needle JSON file as os-autoinst reads and writes it. */
export interface NeedleJson {
  tags: string[];
  area: NeedleArea[];
  properties?: unknown[];
}

export interface Needle {
  name: string;
  tags: string[];
  properties: unknown[];
  area: NeedleArea[];
  image: RgbaImage;
  /** Where it was loaded from, when it was. */
  jsonPath?: string;
}

export class NeedleError extends Error {
  override name = 'NeedleError';
}

const AREA_TYPES: readonly AreaType[] = ['match', 'exclude', 'ocr'];

function checkInt(v: unknown, what: string, where: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new NeedleError(`${where}: ${what} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** Validate a parsed needle JSON against its image; throws NeedleError naming the bad field. */
export function validateNeedleJson(json: unknown, image: RgbaImage, where: string): NeedleJson {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new NeedleError(`${where}: not a JSON object`);
  const j = json as Record<string, unknown>;
  const tags = j.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new NeedleError(`${where}: "tags" must be an array of strings`);
  if (!Array.isArray(j.area) || j.area.length === 0) throw new NeedleError(`${where}: "area" must be a non-empty array`);
  const area = j.area.map((a: unknown, i: number): NeedleArea => {
    const w = `${where}: area ${i + 1}`;
    if (typeof a !== 'object' || a === null) throw new NeedleError(`${w}: not an object`);
    const r = a as Record<string, unknown>;
    const type = (r.type ?? 'match') as AreaType;
    if (!AREA_TYPES.includes(type)) throw new NeedleError(`${w}: type must be match, exclude or ocr, got ${JSON.stringify(r.type)}`);
    const out: NeedleArea = {
      xpos: checkInt(r.xpos ?? 0, 'xpos', w),
      ypos: checkInt(r.ypos ?? 0, 'ypos', w),
      width: checkInt(r.width, 'width', w, 1),
      height: checkInt(r.height, 'height', w, 1),
      type,
    };
    if (out.xpos + out.width > image.width || out.ypos + out.height > image.height) {
      throw new NeedleError(`${w}: ${out.width}x${out.height}+${out.xpos}+${out.ypos} lies outside the ${image.width}x${image.height} needle image`);
    }
    if (r.match !== undefined) {
      if (typeof r.match !== 'number' || !(r.match >= 0 && r.match <= 100)) throw new NeedleError(`${w}: match must be a percentage from 0 to 100, got ${JSON.stringify(r.match)}`);
      out.match = r.match;
    }
    if (r.margin !== undefined) out.margin = checkInt(r.margin, 'margin', w);
    return out;
  });
  if (!area.some((a) => a.type === 'match')) throw new NeedleError(`${where}: no area of type match`);
  const properties = j.properties ?? [];
  if (!Array.isArray(properties)) throw new NeedleError(`${where}: "properties" must be an array`);
  return { tags: tags as string[], area, properties };
}

/** Load needle NAME.json and its NAME.png. */
export function loadNeedle(jsonPath: string): Needle {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  } catch (err) {
    throw new NeedleError(`${jsonPath}: ${(err as Error).message}`);
  }
  const pngPath = jsonPath.replace(/\.json$/i, '') + '.png';
  let image: RgbaImage;
  try {
    image = readPng(pngPath);
  } catch (err) {
    throw new NeedleError(`${jsonPath}: cannot read its image ${pngPath}: ${(err as Error).message}`);
  }
  const j = validateNeedleJson(json, image, jsonPath);
  return { name: path.basename(jsonPath, '.json'), tags: j.tags, properties: j.properties ?? [], area: j.area, image, jsonPath };
}

/** Every needle (*.json) under dir, recursively, sorted by path. */
export function loadNeedleDir(dir: string): Needle[] {
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.json')).sort();
  return files.map((f) => loadNeedle(path.join(dir, f)));
}

/** Needles carrying every one of the tags (space-separated, as openQA's assert_screen takes them). */
export function needlesWithTag(needles: Needle[], tags: string | string[]): Needle[] {
  const want = typeof tags === 'string' ? tags.split(/\s+/).filter(Boolean) : tags;
  return needles.filter((n) => want.every((t) => n.tags.includes(t)));
}

/** Load the needles under dir that carry the tag(s); throws when there are none. */
export function findNeedles(dir: string, tags: string | string[]): Needle[] {
  const found = needlesWithTag(loadNeedleDir(dir), tags);
  if (found.length === 0) throw new NeedleError(`no needle under ${dir} has tag(s) '${[tags].flat().join(' ')}'`);
  return found;
}

export interface CreateNeedleOptions {
  name?: string;
  tags?: string[];
  /** Match level for areas that do not give one. */
  match?: number;
  margin?: number;
  exclude?: Rect[];
}

/** A needle from a screenshot and the areas that must match. */
export function createNeedle(image: RgbaImage, areas: Rect[], opts: CreateNeedleOptions = {}): Needle {
  const area: NeedleArea[] = areas.map((r) => ({
    xpos: r.x,
    ypos: r.y,
    width: r.w,
    height: r.h,
    type: 'match',
    ...(opts.match === undefined ? {} : { match: opts.match }),
    ...(opts.margin === undefined ? {} : { margin: opts.margin }),
  }));
  for (const r of opts.exclude ?? []) area.push({ xpos: r.x, ypos: r.y, width: r.w, height: r.h, type: 'exclude' });
  const name = opts.name ?? 'needle';
  const j = validateNeedleJson({ tags: opts.tags ?? [], area, properties: [] }, image, name);
  return { name, tags: j.tags, properties: [], area: j.area, image: copyImage(image) };
}

export function needleToJson(n: Needle): NeedleJson {
  return { tags: [...n.tags].sort(), area: n.area.map((a) => ({ ...a })), properties: n.properties };
}

/** Write NAME.json and NAME.png; returns the JSON path. */
export function saveNeedle(n: Needle, jsonPath: string): string {
  fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
  fs.writeFileSync(jsonPath, JSON.stringify(needleToJson(n), null, 2) + '\n');
  fs.writeFileSync(jsonPath.replace(/\.json$/i, '') + '.png', encodePng(n.image));
  return jsonPath;
}

/** The screen rectangles a needle looks at (its match areas grown by their margins). */
export function searchRegions(n: Needle): Rect[] {
  return n.area
    .filter((a) => a.type === 'match')
    .map((a) => {
      const m = a.margin ?? DEFAULT_MARGIN;
      return { x: a.xpos - m, y: a.ypos - m, w: a.width + 2 * m, h: a.height + 2 * m };
    });
}
