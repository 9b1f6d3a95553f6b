import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { MessagingContext } from './messaging.context.js';

/**
 * Nest's RPC exception filter replaces an unknown error by `{ status: 'error', message: ... }`
 * before the transport sees it, which would hide `NonRetriableError` from the retry
 * classification. This interceptor (registered globally by MessagingModule) records the original
 * error on the {@link MessagingContext}; other contexts pass through untouched.
 */
@Injectable()
export class MessagingErrorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpcContext: unknown = context.switchToRpc().getContext();
    if (!(rpcContext instanceof MessagingContext)) return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        rpcContext.captureError(error);
        return throwError(() => error);
      }),
    );
  }
}
