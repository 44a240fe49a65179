/**
 * The OCI Distribution Spec v1.1 as data shared by the registry client and server: {@link
 * dev.hoist.oci.distribution.Routes} (paths built and matched), {@link dev.hoist.oci.distribution.ErrorCode}
 * and {@link dev.hoist.oci.distribution.ErrorResponse} (errors), {@link dev.hoist.oci.distribution.Headers},
 * and the list bodies {@link dev.hoist.oci.distribution.TagList} and {@link dev.hoist.oci.distribution.Catalog}.
 */
package dev.hoist.oci.distribution;
