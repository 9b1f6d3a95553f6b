import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { ModelRegistryController } from '../model-registry/model-registry.controller.js';
import { TrackingController } from '../tracking/tracking.controller.js';
import { OpenApiController } from './openapi.controller.js';
import { openApiDocument } from './openapi.document.js';

/** `METHOD /api/v1/...` of every route of a controller, in OpenAPI's path syntax. */
function routesOf(controller: new (...args: never[]) => unknown): string[] {
  const base = String(Reflect.getMetadata(PATH_METADATA, controller));
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor' && Reflect.hasMetadata(PATH_METADATA, proto[name] as object))
    .map((name) => {
      const handler = proto[name] as object;
      const path = String(Reflect.getMetadata(PATH_METADATA, handler));
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number] as string;
      const full = `/${[base, path].filter((p) => p !== '/' && p !== '').join('/')}`
        .replace(/:([A-Za-z]+)/g, '{$1}')
        .replace(/\*$/, '{path}');
      return `${method.toLowerCase()} ${full}`;
    });
}

describe('OpenAPI document', () => {
  const documented = Object.entries(openApiDocument.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  const routes = [TrackingController, ModelRegistryController, OpenApiController].flatMap(routesOf);

  it('describes every /api/v1 route, and no route that does not exist', () => {
    expect(routes.length).toBeGreaterThan(25);
    expect([...routes].sort()).toEqual([...documented].sort());
  });

  it('is OpenAPI 3 with resolvable schema references', () => {
    expect(openApiDocument.openapi).toMatch(/^3\./);
    const refs = JSON.stringify(openApiDocument).match(/#\/components\/(schemas|responses)\/\w+/g) ?? [];
    for (const ref of new Set(refs)) {
      const [, , group, name] = ref.split('/') as [string, string, 'schemas' | 'responses', string];
      expect(Object.keys(openApiDocument.components[group])).toContain(name);
    }
  });
});
