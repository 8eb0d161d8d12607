/**
 * The camera and the QR reader of the pairing screen. The browser's own `BarcodeDetector` where it
 * reads QR codes (Chrome on Android); otherwise the small `qr` decoder, loaded only here.
 */
/** Why the camera did not open: refused (NotAllowedError), no camera (NotFoundError), held by another app (NotReadableError). */
export type CameraProblem = 'denied' | 'none' | 'busy'

export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw cameraError('none')
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: 'environment', width: { ideal: 1280 }, height: { ideal: 720 } } })
  } catch (e) {
    throw cameraError(cameraProblemOf(e))
  }
}

/** The browser's refusal (a DOMException's name) as what the clerk can do something about. */
function cameraProblemOf(e: unknown): CameraProblem {
  const name = (e as { name?: string } | null)?.name
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'none'
  if (name === 'NotReadableError' || name === 'AbortError') return 'busy'
  return 'denied'
}

function cameraError(problem: CameraProblem): Error & { problem: CameraProblem } {
  return Object.assign(new Error(`camera: ${problem}`), { problem })
}

export function stopCamera(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop()
}

interface Detector { detect(source: ImageBitmapSource): Promise<{ rawValue: string }[]> }
type DetectorClass = { new (o: { formats: string[] }): Detector; getSupportedFormats(): Promise<readonly string[]> }

let detector: Promise<Detector> | null = null

/** A QR reader: the platform's when it has one for QR codes, else the bundled one (loaded on first use). */
export function qrReader(): Promise<Detector> {
  detector ??= (async () => {
    const native = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector
    if (native && (await native.getSupportedFormats().catch((): readonly string[] => [])).includes('qr_code')) return new native({ formats: ['qr_code'] })
    const { BarcodeDetector } = await import('qr/decode.js')
    return new BarcodeDetector({ formats: ['qr_code'] })
  })()
  return detector
}
