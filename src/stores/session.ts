import { defineStore } from 'pinia'
import { ref } from 'vue'

export interface Enrollment {
  villageId: string
  villageName: string
  townshipName: string
}

/** Which village this tablet belongs to. Set by device enrollment (src/data). */
export const useSessionStore = defineStore('session', () => {
  const enrollment = ref<Enrollment | null>(null)

  function setEnrollment(value: Enrollment | null) {
    enrollment.value = value
  }

  return { enrollment, setEnrollment }
})
