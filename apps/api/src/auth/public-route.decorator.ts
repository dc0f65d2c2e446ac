import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'wharf:public-route';

/** A route anyone may call, signed in or not (the session routes); the guard leaves it alone. */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
