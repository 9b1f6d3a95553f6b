import {
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { EventPublisher } from '../core/event-bus.js';
import { KafkaEventsServer, type KafkaEventsServerOptions } from './kafka-events.server.js';
import { MessagingErrorInterceptor } from './messaging-error.interceptor.js';

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

export type MessagingModuleOptions<Tx = unknown> = KafkaEventsServerOptions<Tx>;

export interface MessagingModuleAsyncOptions<Tx = unknown> extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => MessagingModuleOptions<Tx> | Promise<MessagingModuleOptions<Tx>>;
  inject?: FactoryProvider['inject'];
}

/** Closes the bus when the application shuts down (after `app.enableShutdownHooks()`, on SIGTERM). */
class MessagingLifecycle implements OnApplicationShutdown {
  constructor(private readonly server: KafkaEventsServer) {}
  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }
}

/**
 * Provides `KafkaEventsServer` (connect it: `app.connectMicroservice({ strategy: app.get(KafkaEventsServer) })`)
 * and an injectable `EventPublisher` that publishes through the same idempotent producer. Global.
 */
@Module({})
export class MessagingModule {
  static forRoot<Tx>(options: MessagingModuleOptions<Tx>): DynamicModule {
    return MessagingModule.build([{ provide: MESSAGING_OPTIONS, useValue: options }], []);
  }

  static forRootAsync<Tx>(options: MessagingModuleAsyncOptions<Tx>): DynamicModule {
    return MessagingModule.build(
      [{ provide: MESSAGING_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports ?? [],
    );
  }

  private static build(
    optionProviders: DynamicModule['providers'] & object,
    imports: NonNullable<ModuleMetadata['imports']>,
  ): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports,
      providers: [
        ...optionProviders,
        {
          provide: KafkaEventsServer,
          useFactory: (options: MessagingModuleOptions) => new KafkaEventsServer(options),
          inject: [MESSAGING_OPTIONS],
        },
        {
          provide: EventPublisher,
          useFactory: (server: KafkaEventsServer) => server.bus,
          inject: [KafkaEventsServer],
        },
        {
          provide: MessagingLifecycle,
          useFactory: (server: KafkaEventsServer) => new MessagingLifecycle(server),
          inject: [KafkaEventsServer],
        },
        { provide: APP_INTERCEPTOR, useClass: MessagingErrorInterceptor },
      ],
      exports: [KafkaEventsServer, EventPublisher, MESSAGING_OPTIONS],
    };
  }
}
