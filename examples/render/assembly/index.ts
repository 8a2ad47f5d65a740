import { nextValue, readU32, writeBytes } from "../../../packages/hub/template/default/assembly/proofgrid";

// A small deterministic ray tracer: three spheres over a checkered floor, one light, hard shadows and one
// reflection bounce. One task renders one tile. Input: a single 24-byte value holding six big-endian u32s:
// tile x, tile y, tile width, tile height, image width, image height. Output: the tile's pixels, row by
// row, 3 bytes (RGB) each. Only + - * / and sqrt are used, which WebAssembly defines bit-exactly.

class Vec {
  constructor(public x: f64, public y: f64, public z: f64) {}
  add(o: Vec): Vec { return new Vec(this.x + o.x, this.y + o.y, this.z + o.z); }
  sub(o: Vec): Vec { return new Vec(this.x - o.x, this.y - o.y, this.z - o.z); }
  scale(k: f64): Vec { return new Vec(this.x * k, this.y * k, this.z * k); }
  mul(o: Vec): Vec { return new Vec(this.x * o.x, this.y * o.y, this.z * o.z); }
  dot(o: Vec): f64 { return this.x * o.x + this.y * o.y + this.z * o.z; }
  norm(): Vec { return this.scale(1.0 / Math.sqrt(this.dot(this))); }
}

class Sphere {
  constructor(public center: Vec, public radius: f64, public color: Vec, public mirror: f64) {}
}

const SPHERES: Sphere[] = [
  new Sphere(new Vec(0.0, 1.0, 5.0), 1.0, new Vec(0.9, 0.2, 0.2), 0.3),
  new Sphere(new Vec(-2.2, 0.7, 6.5), 0.7, new Vec(0.2, 0.6, 0.9), 0.5),
  new Sphere(new Vec(2.0, 0.5, 4.0), 0.5, new Vec(0.9, 0.8, 0.2), 0.1),
];
const LIGHT = new Vec(-4.0, 6.0, 0.0);
const SKY = new Vec(0.55, 0.7, 0.95);
const NO_HIT: f64 = 1e30;

let hitDistance: f64 = NO_HIT;
let hitIndex: i32 = -1; // -1 nothing, -2 the floor, else a sphere

function intersect(origin: Vec, direction: Vec): void {
  hitDistance = NO_HIT;
  hitIndex = -1;
  for (let i = 0; i < SPHERES.length; i++) {
    const s = SPHERES[i];
    const oc = origin.sub(s.center);
    const b = oc.dot(direction);
    const c = oc.dot(oc) - s.radius * s.radius;
    const disc = b * b - c;
    if (disc > 0.0) {
      const t = -b - Math.sqrt(disc);
      if (t > 1e-6 && t < hitDistance) {
        hitDistance = t;
        hitIndex = i;
      }
    }
  }
  if (direction.y < -1e-9) {
    const t = -origin.y / direction.y;
    if (t > 1e-6 && t < hitDistance) {
      hitDistance = t;
      hitIndex = -2;
    }
  }
}

function shade(origin: Vec, direction: Vec, depth: i32): Vec {
  intersect(origin, direction);
  if (hitIndex == -1) return SKY.scale(1.0 - 0.4 * direction.y);
  const index = hitIndex;
  const point = origin.add(direction.scale(hitDistance));
  let normal: Vec;
  let color: Vec;
  let mirror: f64 = 0.0;
  if (index == -2) {
    normal = new Vec(0.0, 1.0, 0.0);
    const checker = (<i32>Math.floor(point.x) + <i32>Math.floor(point.z)) & 1;
    color = checker == 0 ? new Vec(0.9, 0.9, 0.9) : new Vec(0.25, 0.25, 0.25);
  } else {
    const s = SPHERES[index];
    normal = point.sub(s.center).norm();
    color = s.color;
    mirror = s.mirror;
  }
  const toLight = LIGHT.sub(point).norm();
  let diffuse = normal.dot(toLight);
  if (diffuse < 0.0) diffuse = 0.0;
  intersect(point.add(normal.scale(1e-4)), toLight);
  if (hitIndex != -1) diffuse *= 0.3; // in shadow
  let result = color.scale(0.15 + 0.85 * diffuse);
  if (mirror > 0.0 && depth < 1) {
    const reflected = direction.sub(normal.scale(2.0 * direction.dot(normal))).norm();
    result = result.scale(1.0 - mirror).add(shade(point.add(normal.scale(1e-4)), reflected, depth + 1).scale(mirror));
  }
  return result;
}

function channel(value: f64): u8 {
  if (value <= 0.0) return 0;
  if (value >= 1.0) return 255;
  return <u8>(<u32>(value * 255.0 + 0.5));
}

export function _start(): void {
  const value = nextValue();
  if (value === null || value.length < 24) return;
  const x0 = readU32(value.subarray(0, 4));
  const y0 = readU32(value.subarray(4, 8));
  const width = readU32(value.subarray(8, 12));
  const height = readU32(value.subarray(12, 16));
  const imageWidth = <f64>readU32(value.subarray(16, 20));
  const imageHeight = <f64>readU32(value.subarray(20, 24));
  const pixels = new Uint8Array(<i32>(width * height * 3));
  const eye = new Vec(0.0, 1.2, -1.0);
  let offset = 0;
  for (let y: u32 = 0; y < height; y++) {
    for (let x: u32 = 0; x < width; x++) {
      const u = ((<f64>(x0 + x) + 0.5) / imageWidth - 0.5) * (imageWidth / imageHeight);
      const v = 0.5 - (<f64>(y0 + y) + 0.5) / imageHeight;
      const color = shade(eye, new Vec(u, v, 1.0).norm(), 0);
      pixels[offset++] = channel(color.x);
      pixels[offset++] = channel(color.y);
      pixels[offset++] = channel(color.z);
    }
  }
  writeBytes(pixels);
}
