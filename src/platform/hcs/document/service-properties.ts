/**
 * HcsGetServiceProperties for the seam's getServiceProperties (schema/requests.ts ServiceProperties): the query of
 * the "Basic" property type, and its answer ({Properties: [{SupportedSchemaVersions}]}) with the Basic entry's
 * fields flattened to the top level.
 */
import type { ServicePropertiesDoc, ServicePropertyQueryDoc } from '../schema/index.js';

export const SERVICE_BASIC_QUERY: ServicePropertyQueryDoc = { PropertyTypes: ['Basic'] };

/** The seam's ServiceProperties from HCS's answer to SERVICE_BASIC_QUERY. */
export function serviceBasicProperties(answer: { Properties?: { SupportedSchemaVersions?: { Major: number; Minor: number }[] }[] }): ServicePropertiesDoc {
  const basic = answer.Properties?.[0] ?? {};
  return { SupportedSchemaVersions: basic.SupportedSchemaVersions ?? [], Properties: answer.Properties ?? [] } as ServicePropertiesDoc;
}
