/** A container spec that cannot be expressed as an HCS document (bad mount path, unsupported option, ...). */
export class DocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentError';
  }
}
