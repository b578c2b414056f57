// Worker thread: turns an engine image into snapshot bytes, off the matching thread.

import { encodeImage } from "./format.ts";
import type { EngineImage } from "./image.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ id: number; image: EngineImage }>) => {
  const { id, image } = event.data;
  try {
    const bytes = encodeImage(image);
    self.postMessage({ id, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    self.postMessage({ id, error: (error as Error).message });
  }
};
