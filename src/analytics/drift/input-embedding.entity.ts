import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The embedding of a trace's user input, cached for topic drift: a trace is embedded once per
 * embedding model, however many drift reports or drift alerts sample it. No foreign key: traces may
 * be partitioned or kept elsewhere (rows of expired traces are simply never read again).
 */
@Entity('drift_input_embeddings')
export class DriftInputEmbedding {
  @PrimaryColumn('uuid', { name: 'trace_id' })
  traceId!: string;

  /** The embedding model (and dimensions) that produced the vector, e.g. `amazon.titan-embed-text-v2:0/256`. */
  @PrimaryColumn('text')
  model!: string;

  @Column('real', { array: true })
  embedding!: number[];

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
