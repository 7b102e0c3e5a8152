/**
 * How the agent talks TLS to fleet-controller (grpc-js): the controller's CA is the only root
 * it trusts, and the server certificate must name `fleet-controller` whatever address was
 * dialled (common/controller-tls.ts). With the agent's key and certificate, the same
 * credentials are mutual TLS.
 */
import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { CONTROLLER_TLS_NAME } from '../../common/controller-tls.js';

/** Channel options every TLS channel to the controller needs: the fixed name is the one checked. */
export const CONTROLLER_CHANNEL_OPTIONS: ChannelOptions = { 'grpc.ssl_target_name_override': CONTROLLER_TLS_NAME };

/** TLS to the controller verified against `caPem`; with `identity`, the agent's client certificate too. */
export function controllerCredentials(caPem: string, identity?: { keyPem: string; certificatePem: string }): ChannelCredentials {
  return identity
    ? credentials.createSsl(Buffer.from(caPem), Buffer.from(identity.keyPem), Buffer.from(identity.certificatePem))
    : credentials.createSsl(Buffer.from(caPem));
}
