/*
 * lib/nvme_cq_flow.h - when a driver must tell the controller its CQ head
 * (NVMe Base 2.0c §3.3.1.2, queue full; §3.3.1.3, CQ head doorbell).
 *
 * The head doorbell only gives the device room; under MSI-X every posting
 * is signalled whatever the head, so a driver may hold it back.  Not past
 * half the queue, and not when the commands the device may yet complete
 * could meet the consumed-but-unreported entries (the device sees a full
 * CQ at entries - 1 and stops posting until the head moves).
 */
#ifndef CAPROCK_LIB_NVME_CQ_FLOW_H
#define CAPROCK_LIB_NVME_CQ_FLOW_H

#include <stdbool.h>
#include <stdint.h>

/* entries: the CQ's size; head/told: the driver's head and the one last written; busy: commands not yet released. */
bool nvme_cq_head_due(uint16_t entries, uint16_t head, uint16_t told, unsigned int busy);

#endif
